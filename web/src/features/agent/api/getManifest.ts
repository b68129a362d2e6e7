import { request, type ApiResult } from '../../../lib/api';
import type { Manifest } from './types';

/** `GET /api/v1/tickets/manifest?tripId=` (`manifest.read`): a trip's passengers by coach and seat, scanned or not. */
export function getManifest(tripId: number, signal?: AbortSignal): Promise<ApiResult<Manifest>> {
  return request<Manifest>('GET', `/api/v1/tickets/manifest?tripId=${encodeURIComponent(String(tripId))}`, { signal });
}
