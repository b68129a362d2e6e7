import { request, type ApiResult } from '../../../lib/api';
import type { TicketKeyList } from './types';

/** `GET /api/v1/tickets/keys` (anyone, cacheable 5 min): the Ed25519 public keys that sign tickets, for offline checks. */
export function getTicketKeys(signal?: AbortSignal): Promise<ApiResult<TicketKeyList>> {
  return request<TicketKeyList>('GET', '/api/v1/tickets/keys', { signal });
}
