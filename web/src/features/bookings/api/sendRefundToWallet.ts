import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseRefund, type Refund } from '../../../lib/refunds';

/**
 * `POST /api/v1/payments/refunds/{reference}/wallet` `{"msisdn"}`, `Idempotency-Key`: a refund owed in cash sent
 * instead to the Airtel Money or Moov Money number the traveller names; 200 the refund, `pending` (payout sent) or
 * `succeeded`. 422 with `errors[{field: "msisdn"}]` for a number that is not a mobile-money one; 409
 * `refund-not-owed-in-cash` when it is no longer owed in cash; 404 unknown.
 */
export async function sendRefundToWallet(
  reference: string,
  body: { msisdn: string },
  idempotencyKey: string,
  signal?: AbortSignal,
): Promise<ApiResult<Refund>> {
  const result = await request<unknown>('POST', `/api/v1/payments/refunds/${encodeURIComponent(reference)}/wallet`, {
    body,
    signal,
    headers: { 'Idempotency-Key': idempotencyKey },
  });
  return parseResult(result, parseRefund);
}
