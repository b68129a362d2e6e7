import { request, type ApiResult } from '../../../lib/api';
import type { TicketList } from './types';

/** `GET /api/v1/bookings/{pnr}/tickets`: a confirmed booking's e-tickets (its owner or staff); 409 `booking-state`. */
export function getTickets(pnr: string, signal?: AbortSignal): Promise<ApiResult<TicketList>> {
  return request<TicketList>('GET', `/api/v1/bookings/${encodeURIComponent(pnr)}/tickets`, { signal });
}
