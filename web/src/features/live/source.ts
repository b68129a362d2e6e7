// Where the live screens get their data. Today `GET /api/v1/trains` asked every 15 s while the page is visible;
// the `/api/v1/live` WebSocket, once it exists, can feed the same `Source` (snapshots of the trains) and the
// screens will not change.
import { createPoller, type Source } from '../../lib/poller';
import type { LiveTrain } from '../../lib/trains';
import { getTrains } from './api/getTrains';
import { POLL_INTERVAL_MS, POLL_MAX_INTERVAL_MS } from './trains';

export type TrainSource = Source<LiveTrain[]>;

let shared: TrainSource | null = null;

/**
 * The live trains, one source for the whole app: going from the map to a train and back shows the last answer at
 * once (and asks again only if it is older than the interval).
 */
export function liveTrains(): TrainSource {
  if (!shared) shared = createPoller(getTrains, { intervalMs: POLL_INTERVAL_MS, maxIntervalMs: POLL_MAX_INTERVAL_MS });
  return shared;
}
