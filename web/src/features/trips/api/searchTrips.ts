import { request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import type { TripSearchResult } from './types';

export interface TripQuery {
  /** A station code or name (the server accepts either, whatever the case and accents). */
  from: string;
  to: string;
  /** `YYYY-MM-DD`, local date of departure from `from`. */
  date: string;
  passengers: number;
}

/**
 * `GET /api/v1/trips?from=OWE&to=FCV&date=2026-12-01&passengers=2`: the trips of that date, or the next
 * dates with one; 422 `validation` with `errors[{field, code}]` (required, unknown-station, same-station,
 * invalid-date, past-date, out-of-range).
 */
export function searchTrips(query: TripQuery, signal?: AbortSignal): Promise<ApiResult<TripSearchResult>> {
  return request<TripSearchResult>('GET', `/api/v1/trips?${toQueryString({ ...query })}`, { signal });
}
