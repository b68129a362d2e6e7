import { request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import type { TripChoices } from './types';

/**
 * Inventory's trip search, `GET /api/v1/trips?from=&to=&date=&passengers=`, for the trains a booking can be
 * exchanged for (the same journey). 422 `validation` (past-date, invalid-date).
 */
export function searchTripChoices(
  query: { from: string; to: string; date: string; passengers: number },
  signal?: AbortSignal,
): Promise<ApiResult<TripChoices>> {
  return request<TripChoices>('GET', `/api/v1/trips?${toQueryString({ ...query })}`, { signal });
}
