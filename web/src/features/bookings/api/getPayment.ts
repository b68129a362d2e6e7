import { request, type ApiResult } from '../../../lib/api';
import type { Payment } from './types';

/** `GET /api/v1/payments/{id}`: a payment of the signed-in user, to follow it until it ends. */
export function getPayment(id: string, signal?: AbortSignal): Promise<ApiResult<Payment>> {
  return request<Payment>('GET', `/api/v1/payments/${encodeURIComponent(id)}`, { signal });
}
