import { request, type ApiResult } from '../../../lib/api';
import type { Booking } from './types';

/** `GET /api/v1/bookings/{pnr}`: any booking, for staff; 404 for an unknown reference. */
export function getBooking(pnr: string, signal?: AbortSignal): Promise<ApiResult<Booking>> {
  return request<Booking>('GET', `/api/v1/bookings/${encodeURIComponent(pnr)}`, { signal });
}
