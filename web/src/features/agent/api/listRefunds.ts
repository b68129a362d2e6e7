import { parseResult, request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import { parseRefundList, type RefundList } from '../refunds';

/**
 * `GET /api/v1/payments/refunds?pnr=ABC234` (agents, administrators): the booking's refunds, each `pending`,
 * `succeeded`, `failed`, `unknown` or `manual` (owed in cash at a counter). 422 `validation` for a malformed reference.
 */
export async function listRefunds(pnr: string, signal?: AbortSignal): Promise<ApiResult<RefundList>> {
  const result = await request<unknown>('GET', `/api/v1/payments/refunds?${toQueryString({ pnr })}`, { signal });
  return parseResult(result, parseRefundList);
}
