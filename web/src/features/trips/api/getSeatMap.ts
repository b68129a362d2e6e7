import { request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import type { SeatMap } from './types';

/**
 * `GET /api/v1/trips/{tripId}/seats?from=OWE&to=FCV`: the trip's coaches in train order and which seats are
 * free on every leg of the journey; 404 `not-found`; 422 `validation` (unknown-station, not-a-stop,
 * wrong-order).
 */
export function getSeatMap(
  tripId: number,
  journey: { from: string; to: string },
  signal?: AbortSignal,
): Promise<ApiResult<SeatMap>> {
  const query = toQueryString({ from: journey.from, to: journey.to });
  const path = `/api/v1/trips/${encodeURIComponent(String(tripId))}/seats`;
  return request<SeatMap>('GET', query ? `${path}?${query}` : path, { signal });
}
