import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseRefundList, type RefundList } from '../../../lib/refunds';
import { toQueryString } from '../../../lib/router';

/**
 * `GET /api/v1/payments/refunds?pnr=ABC234`: for a customer, the refunds of their own payments for that booking, each
 * `pending`, `succeeded`, `failed`, `unknown` or `manual` (owed in cash), with the payment's `method`.
 */
export async function listRefunds(pnr: string, signal?: AbortSignal): Promise<ApiResult<RefundList>> {
  const result = await request<unknown>('GET', `/api/v1/payments/refunds?${toQueryString({ pnr })}`, { signal });
  return parseResult(result, parseRefundList);
}
