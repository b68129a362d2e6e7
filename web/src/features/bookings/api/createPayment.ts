import { request, type ApiResult } from '../../../lib/api';
import type { NewPayment, Payment } from './types';

/**
 * `POST /api/v1/payments` (signed in, `Idempotency-Key`): 201 with the payment, `pending` (a PIN request was
 * pushed to the phone, or `paymentUrl` to open for a card), `failed`, or `unknown`. 409 `booking-not-payable`,
 * `payment-in-progress`; 422 `validation` (`msisdn`: `wrong-operator`, `invalid`, `required`); 503 `unavailable`
 * (nothing was charged).
 */
export function createPayment(payment: NewPayment, idempotencyKey: string, signal?: AbortSignal): Promise<ApiResult<Payment>> {
  return request<Payment>('POST', '/api/v1/payments', {
    body: payment,
    signal,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}
