// Where the live screens get their data: the `/api/v1/live` WebSocket (a snapshot on each subscription, then each
// train's news as it happens), with tracking's HTTP reads beside it: `GET /api/v1/trains/{runId}` for a run's
// stops (again after news, at most every 15 s), and both reads asked every 15 s while the socket is down
// (`lib/liveSource.ts`). The screens read a `Source` and do not know which fed it.
import { runMerge, trainsMerge } from '../../lib/live';
import { createLiveSource } from '../../lib/liveSource';
import type { Source } from '../../lib/poller';
import type { LiveTrain, TrainRun } from '../../lib/trains';
import { getTrain } from './api/getTrain';
import { getTrains } from './api/getTrains';
import { POLL_INTERVAL_MS, POLL_MAX_INTERVAL_MS, REFETCH_RUN_MS } from './trains';

export type TrainSource = Source<LiveTrain[]>;
export type RunSource = Source<TrainRun>;

let shared: TrainSource | null = null;

/**
 * The live trains, one source for the whole app: going from the map to a train and back shows the last state at
 * once while the socket subscribes again.
 */
export function liveTrains(): TrainSource {
  if (!shared) {
    shared = createLiveSource({
      subscription: { channel: 'trains' },
      load: getTrains,
      merge: trainsMerge,
      refetchMs: null,
      intervalMs: POLL_INTERVAL_MS,
      maxIntervalMs: POLL_MAX_INTERVAL_MS,
    });
  }
  return shared;
}

/** One run: its position and delay as they change, its stops read again after news (at most every 15 s). */
export function trainRun(runId: number): RunSource {
  return createLiveSource({
    subscription: { channel: 'run', runId },
    load: (signal) => getTrain(runId, signal),
    merge: runMerge,
    refetchMs: REFETCH_RUN_MS,
    intervalMs: POLL_INTERVAL_MS,
    maxIntervalMs: POLL_MAX_INTERVAL_MS,
  });
}
