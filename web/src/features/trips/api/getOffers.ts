import { request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import type { Offers } from './types';

export interface OfferQuery {
  /** Station code or name. */
  from: string;
  to: string;
  /** `YYYY-MM-DD`, local date of departure from `from`. */
  date: string;
  /** Adults (12 and over). */
  passengers: number;
  children?: number;
  infants?: number;
}

/**
 * `GET /api/v1/offers?from=OWE&to=NDJ&date=2026-12-01&passengers=2&children=1&infants=1` (no sign-in): the trip
 * search with, per class, the party's total and each passenger type's fare; 422 `validation` as the trip search.
 */
export function getOffers(query: OfferQuery, signal?: AbortSignal): Promise<ApiResult<Offers>> {
  const { children = 0, infants = 0 } = query;
  const params = toQueryString({
    from: query.from,
    to: query.to,
    date: query.date,
    passengers: query.passengers,
    children: children > 0 ? children : null,
    infants: infants > 0 ? infants : null,
  });
  return request<Offers>('GET', `/api/v1/offers?${params}`, { signal });
}
