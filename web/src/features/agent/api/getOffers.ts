import { request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import type { Offers } from './types';

/**
 * `GET /api/v1/offers?from=OWE&to=FCV&date=2026-12-01&passengers=2&children=1`: the trains of a date with, per class,
 * the seats free and the party's price; the next dates with a train when that day has none.
 */
export function getOffers(
  query: { from: string; to: string; date: string; adults: number; children: number },
  signal?: AbortSignal,
): Promise<ApiResult<Offers>> {
  const params = toQueryString({
    from: query.from,
    to: query.to,
    date: query.date,
    passengers: query.adults,
    children: query.children > 0 ? query.children : null,
  });
  return request<Offers>('GET', `/api/v1/offers?${params}`, { signal });
}
