import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseDevice } from '../devices';
import type { Device } from './types';

/**
 * `PUT /api/v1/devices/{id}/locomotive` (tracking.manage): the locomotive the device is mounted on, or none
 * (`null`). A device on a locomotive is assigned automatically to the trip planned with it while that trip runs,
 * unless an operator assigned it. 422 (field `locomotive`) for a number that cannot be one; 404 for an unknown device.
 */
export async function setDeviceLocomotive(
  id: number,
  locomotive: string | null,
  signal?: AbortSignal,
): Promise<ApiResult<Device>> {
  return parseResult(
    await request<unknown>('PUT', `/api/v1/devices/${id}/locomotive`, { body: { locomotive }, signal }),
    parseDevice,
  );
}
