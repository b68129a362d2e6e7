import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseRun, type TrainRun } from '../../../lib/trains';

/** `GET /api/v1/trains/{runId}`: one run, its stops and its latest position; 404 while it has no live data. */
export async function getTrain(runId: number, signal?: AbortSignal): Promise<ApiResult<TrainRun>> {
  return parseResult(await request<unknown>('GET', `/api/v1/trains/${runId}`, { signal }), parseRun);
}
