import { request, type ApiResult } from '../../../lib/api';
import type { Payment } from './types';

/**
 * `POST /api/v1/payments` `{pnr, method: "cash"}` (`counter.sell`: agents only), `Idempotency-Key`: the cash taken at
 * the counter, recorded against the agent; 201 `succeeded` with the booking confirmed. 409 `booking-not-payable`.
 */
export function payCash(pnr: string, idempotencyKey: string, signal?: AbortSignal): Promise<ApiResult<Payment>> {
  return request<Payment>('POST', '/api/v1/payments', {
    body: { pnr, method: 'cash' },
    signal,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
}
