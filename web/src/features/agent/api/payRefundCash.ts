import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseRefund, type Refund } from '../refunds';

/**
 * `POST /api/v1/payments/refunds/{reference}/cash` `{}` (`counter.sell`: agents only), `Idempotency-Key`: the cash
 * handed over at the counter, recorded against the agent; 200 the refund `succeeded` with `paidAt` and `paidBy`.
 * 409 when it is not owed in cash (paid already, or going to a wallet); 404 unknown.
 */
export async function payRefundCash(
  reference: string,
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<ApiResult<Refund>> {
  const result = await request<unknown>('POST', `/api/v1/payments/refunds/${encodeURIComponent(reference)}/cash`, {
    body: {},
    signal,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
  return parseResult(result, parseRefund);
}
