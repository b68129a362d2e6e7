import { request, type ApiResult } from '../../../lib/api';
import type { Booking, NewExchange } from './types';

/**
 * `POST /api/v1/bookings/{pnr}/exchange` (`Idempotency-Key`): 201 with the new booking: `confirmed` when nothing
 * was left to pay (the old one is `exchanged`, any difference is paid back), or `awaiting_payment` of `amountDue`
 * (the old booking stays good until it is paid). 409 `booking-state`, `trip-departed`, seats taken; 422.
 */
export function exchangeBooking(
  pnr: string,
  exchange: NewExchange,
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<ApiResult<Booking>> {
  return request<Booking>('POST', `/api/v1/bookings/${encodeURIComponent(pnr)}/exchange`, {
    signal,
    body: exchange,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}
