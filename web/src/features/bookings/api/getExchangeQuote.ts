import { request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import type { ExchangeQuote, NewExchange } from './types';

/**
 * `GET /api/v1/bookings/{pnr}/exchange?tripId=&class=`: the new fare, the old booking's credit, the fee and the
 * difference (nothing is held). 409 `booking-state`, `trip-departed`; 422 `validation` (same-trip, other-journey,
 * trip-cancelled, not-on-train).
 */
export function getExchangeQuote(
  pnr: string,
  exchange: NewExchange,
  signal?: AbortSignal,
): Promise<ApiResult<ExchangeQuote>> {
  const query = toQueryString({ tripId: exchange.tripId, class: exchange.class });
  return request<ExchangeQuote>('GET', `/api/v1/bookings/${encodeURIComponent(pnr)}/exchange?${query}`, { signal });
}
