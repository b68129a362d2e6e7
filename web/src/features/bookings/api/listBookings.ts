import { request, type ApiResult } from '../../../lib/api';
import type { BookingList } from './types';

/** `GET /api/v1/bookings`: the signed-in user's bookings, newest first; 401 signed out. */
export function listBookings(signal?: AbortSignal): Promise<ApiResult<BookingList>> {
  return request<BookingList>('GET', '/api/v1/bookings', { signal });
}
