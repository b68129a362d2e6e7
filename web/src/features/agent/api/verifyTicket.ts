import { request, type ApiResult } from '../../../lib/api';
import type { Verification, VerifyRequest } from './types';

/**
 * `POST /api/v1/tickets/verify` (`tickets.verify`: conductors, agents): checks a ticket, journals the scan and says
 * whether it was scanned before; 422 `validation` (`qr`: required, not-base45, wrong-length, …) for text that is no
 * ticket; 403 for a caller without the permission.
 */
export function verifyTicket(body: VerifyRequest, signal?: AbortSignal): Promise<ApiResult<Verification>> {
  return request<Verification>('POST', '/api/v1/tickets/verify', { body, signal });
}
