import { request, type ApiResult } from './api';
import { toQueryString } from './router';

export interface TripDates {
  from: string;
  to: string;
  /** Local dates `YYYY-MM-DD` with a train on sale serving from -> to. */
  dates: string[];
}

/**
 * `GET /api/v1/trips/dates?from=OWE&to=FCV&start=2026-11-22&days=42`: the days from `start` on (for `days` days) with
 * a train on sale from -> to (station codes or names, as `/api/v1/trips`); 4xx problem+json on bad input.
 */
export function getTripDates(
  query: { from: string; to: string; start: string; days: number },
  signal?: AbortSignal,
): Promise<ApiResult<TripDates>> {
  return request<TripDates>('GET', `/api/v1/trips/dates?${toQueryString({ ...query })}`, { signal });
}
