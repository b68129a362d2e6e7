import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseTrains, type LiveTrain } from '../../../lib/trains';

/** `GET /api/v1/trains`: the latest position of every train seen lately (public, never cached). */
export async function getTrains(signal?: AbortSignal): Promise<ApiResult<LiveTrain[]>> {
  return parseResult(await request<unknown>('GET', '/api/v1/trains', { signal }), parseTrains);
}
