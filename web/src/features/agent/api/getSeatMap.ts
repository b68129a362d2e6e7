import { request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import type { SeatMap } from './types';

/** `GET /api/v1/trips/{tripId}/seats?from=&to=`: the coaches in train order and which seats are free for the journey. */
export function getSeatMap(tripId: number, journey: { from: string; to: string }, signal?: AbortSignal): Promise<ApiResult<SeatMap>> {
  return request<SeatMap>('GET', `/api/v1/trips/${encodeURIComponent(String(tripId))}/seats?${toQueryString(journey)}`, {
    signal,
  });
}
