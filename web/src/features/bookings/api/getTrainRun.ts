import { parseResult, request, type ApiResult } from '../../../lib/api';
import { parseRun, type TrainRun } from '../../../lib/trains';

/**
 * `GET /api/v1/trains/{runId}` (tracking, public): the booked trip's run (a run has its trip's id), its stops and
 * live estimates; 404 while it has no live data.
 */
export async function getTrainRun(tripId: number, signal?: AbortSignal): Promise<ApiResult<TrainRun>> {
  return parseResult(await request<unknown>('GET', `/api/v1/trains/${tripId}`, { signal }), parseRun);
}
