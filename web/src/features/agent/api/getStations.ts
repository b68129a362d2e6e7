import { request, type ApiResult } from '../../../lib/api';
import type { Network } from './types';

/** `GET /api/v1/stations`: the stations in line order. */
export function getStations(signal?: AbortSignal): Promise<ApiResult<Network>> {
  return request<Network>('GET', '/api/v1/stations', { signal });
}
