import { parseResult, request, type ApiResult } from '../../../lib/api';
import { toQueryString } from '../../../lib/router';
import { parseTripChoices, type TripChoice } from '../devices';

/**
 * `GET /api/v1/trips?from=&to=&date=&passengers=1`: the trains of a date between two stations, here read only
 * for what assigning a device needs (id, number, departure).
 */
export async function searchTrips(
  query: { from: string; to: string; date: string },
  signal?: AbortSignal,
): Promise<ApiResult<TripChoice[]>> {
  const path = `/api/v1/trips?${toQueryString({ ...query, passengers: 1 })}`;
  return parseResult(await request<unknown>('GET', path, { signal }), (body) => parseTripChoices(body, query));
}
