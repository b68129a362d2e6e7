import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseDevice } from '../devices';
import type { Device } from './types';

/**
 * `PUT /api/v1/devices/{id}/assignment` (operations.manage): the device travels with the trip from now on, or
 * with none (`tripId: null`). 422 `unknown-trip` (field `tripId`) when inventory has no such trip; 404 for an
 * unknown device; 503 while inventory cannot be asked.
 */
export async function assignDevice(id: number, tripId: number | null, signal?: AbortSignal): Promise<ApiResult<Device>> {
  return parseResult(
    await request<unknown>('PUT', `/api/v1/devices/${id}/assignment`, { body: { tripId }, signal }),
    parseDevice,
  );
}
