import { request, type ApiResult } from '../../../lib/api';
import type { Booking } from './types';

/**
 * `POST /api/v1/bookings/{pnr}/cancel` (`Idempotency-Key`): unpaid -> `cancelled`; paid -> `refund_pending` with
 * `refundAmount` (the fare rules' fee taken off). 409 `trip-departed`, `booking-state`.
 */
export function cancelBooking(pnr: string, idempotencyKey: string, signal?: AbortSignal): Promise<ApiResult<Booking>> {
  return request<Booking>('POST', `/api/v1/bookings/${encodeURIComponent(pnr)}/cancel`, {
    signal,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}
