import { parseResult, request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import { parseTill, type Till } from '../refunds';

/**
 * `GET /api/v1/payments/till?date=YYYY-MM-DD` (agents): the signed-in agent's cash of that Libreville day: payments
 * taken (`count`, `total`, `payments[]`), refunds handed over (`refundCount`, `refundTotal`, `refunds[]`) and `net`.
 */
export async function getTill(date: string, signal?: AbortSignal): Promise<ApiResult<Till>> {
  const result = await request<unknown>('GET', `/api/v1/payments/till?${toQueryString({ date })}`, { signal });
  return parseResult(result, parseTill);
}
