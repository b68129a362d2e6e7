import { request, type ApiResult } from '../../../lib/api';
import type { Booking, NewBooking } from './types';

/**
 * `POST /api/v1/bookings` (`counter.sell` at a counter), `Idempotency-Key`: holds the seats (chosen, or chosen by the
 * service when none is given) and answers 201 with the booking awaiting payment; 409 `seats-taken`,
 * `not-enough-seats`, `trip-not-on-sale`; 422 `validation` with `errors[{field: "passengers.0.name", code}]`.
 */
export function createBooking(booking: NewBooking, idempotencyKey: string, signal?: AbortSignal): Promise<ApiResult<Booking>> {
  return request<Booking>('POST', '/api/v1/bookings', {
    body: booking,
    signal,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}
