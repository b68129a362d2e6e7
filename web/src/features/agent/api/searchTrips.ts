import { request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import type { Offers } from './types';

/** `GET /api/v1/trips?from=&to=&date=&passengers=1`: the trains of a date between two stations (no prices). */
export function searchTrips(query: { from: string; to: string; date: string }, signal?: AbortSignal): Promise<ApiResult<Offers>> {
  return request<Offers>('GET', `/api/v1/trips?${toQueryString({ ...query, passengers: 1 })}`, { signal });
}
