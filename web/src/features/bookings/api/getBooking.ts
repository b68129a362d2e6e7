import { request, type ApiResult } from '../../../lib/api';
import type { Booking } from './types';

/** `GET /api/v1/bookings/{pnr}`: its owner's booking (or any, for staff); 401 signed out; 404 for anyone else. */
export function getBooking(pnr: string, signal?: AbortSignal): Promise<ApiResult<Booking>> {
  return request<Booking>('GET', `/api/v1/bookings/${encodeURIComponent(pnr)}`, { signal });
}
