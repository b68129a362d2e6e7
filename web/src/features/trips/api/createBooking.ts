import { request, type ApiResult } from '../../../lib/api';
import type { CreatedBooking, NewBooking } from './types';

/**
 * `POST /api/v1/bookings` (signed in), `Idempotency-Key` required: holds the seats and answers 201 with the
 * booking awaiting payment; 401 when signed out; 409 `seats-taken` (someone took a seat meanwhile),
 * `not-enough-seats`, `trip-not-on-sale`, `idempotency-key-in-use`; 422 `validation` with
 * `errors[{field: "passengers.0.name", code}]`.
 */
export function createBooking(
  booking: NewBooking,
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<ApiResult<CreatedBooking>> {
  return request<CreatedBooking>('POST', '/api/v1/bookings', {
    body: booking,
    signal,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}
