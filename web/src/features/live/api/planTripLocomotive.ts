import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseTripLocomotive } from '../devices';
import type { TripLocomotive } from './types';

/**
 * `PUT /api/v1/trips/{tripId}/locomotive` (inventory, operations.manage): the locomotive planned for a dated trip,
 * or none (`null`). 404 for an unknown trip; 409 `trip-closed` for a cancelled trip or one that has arrived; 422
 * (field `locomotive`) for a number that cannot be one.
 */
export async function planTripLocomotive(
  tripId: number,
  locomotive: string | null,
  signal?: AbortSignal,
): Promise<ApiResult<TripLocomotive>> {
  return parseResult(
    await request<unknown>('PUT', `/api/v1/trips/${tripId}/locomotive`, { body: { locomotive }, signal }),
    parseTripLocomotive,
  );
}
