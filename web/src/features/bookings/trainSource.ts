// Where a booking's page gets its train's live status: the `/api/v1/live` WebSocket's booking channel (the caller's
// own booking, by its reference), with `GET /api/v1/trains/{tripId}` beside it for the stops (again after news, at
// most every minute) and, every minute, in place of the socket when it cannot be opened or is refused.
import { runMerge } from '../../lib/live';
import { createLiveSource } from '../../lib/liveSource';
import type { Source } from '../../lib/poller';
import type { TrainRun } from '../../lib/trains';
import { getTrainRun } from './api/getTrainRun';

/** Enough for a traveller on the way to the station. */
export const BOOKING_TRAIN_EVERY_MS = 60_000;

export function bookingTrain(pnr: string, tripId: number): Source<TrainRun> {
  return createLiveSource({
    subscription: { channel: 'booking', pnr },
    load: (signal) => getTrainRun(tripId, signal),
    merge: runMerge,
    refetchMs: BOOKING_TRAIN_EVERY_MS,
    intervalMs: BOOKING_TRAIN_EVERY_MS,
    maxIntervalMs: 5 * BOOKING_TRAIN_EVERY_MS,
  });
}
