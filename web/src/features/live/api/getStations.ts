import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseNetwork } from '../network';
import type { Network } from './types';

/** `GET /api/v1/stations`: the stations in line order and the line's polyline (cacheable for 5 minutes). */
export async function getStations(signal?: AbortSignal): Promise<ApiResult<Network>> {
  return parseResult(await request<unknown>('GET', '/api/v1/stations', { signal }), parseNetwork);
}
