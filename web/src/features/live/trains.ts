// The rules of the live screens: which trains come first, when a position is old, where a train is, which stop
// is next, and which times a stop shows. Pure: no DOM, no i18n.
import { minutesBetween, type LiveTrain, type RunStop, type TrainRun } from '../../lib/trains';

/** How often the live screens ask again while visible and the live socket is down. */
export const POLL_INTERVAL_MS = 15_000;
/** The longest pause after failures in a row (a phone out of coverage is not asked every 15 s). */
export const POLL_MAX_INTERVAL_MS = 60_000;
/** While the live socket is up, a run's stops are read again after its news, at most this often. */
export const REFETCH_RUN_MS = 15_000;

/** A position older than this is shown as old: the tracker may have stopped sending. */
export const STALE_AFTER_MS = 10 * 60_000;

export function isStale(train: Pick<LiveTrain, 'updatedAt'>, now: number): boolean {
  const at = Date.parse(train.updatedAt);
  return Number.isNaN(at) || now - at > STALE_AFTER_MS;
}

/**
 * The list's order: trains with a recent position first, then by train number (what travellers look for), then
 * by date (a train number runs every day) and run.
 */
export function sortTrains(trains: readonly LiveTrain[], now: number): LiveTrain[] {
  return trains
    .map((train) => ({ train, stale: isStale(train, now) }))
    .sort(
      (a, b) =>
        Number(a.stale) - Number(b.stale) ||
        a.train.trainNumber - b.train.trainNumber ||
        a.train.serviceDate.localeCompare(b.train.serviceDate) ||
        a.train.runId - b.train.runId,
    )
    .map(({ train }) => train);
}

export type Place =
  /** At a station (within about 1 km). */
  | { kind: 'at'; station: string }
  /** On the line between two stations. */
  | { kind: 'between'; from: string; to: string }
  /** Somewhere the line does not explain (far from it, or not yet placed). */
  | { kind: 'unknown' };

export function placeOf(train: Pick<LiveTrain, 'station' | 'leg'>): Place {
  if (train.station) return { kind: 'at', station: train.station };
  if (train.leg) return { kind: 'between', from: train.leg.from, to: train.leg.to };
  return { kind: 'unknown' };
}

/** The train's next station and when it should get there: the live estimate, else the timetable. */
export function nextStationOf(
  train: Pick<LiveTrain, 'nextStop'>,
): { station: string; time: string | null; expected: boolean } | null {
  const next = train.nextStop;
  if (!next) return null;
  if (next.eta) return { station: next.station, time: next.eta, expected: true };
  return { station: next.station, time: next.scheduledArrival, expected: false };
}

/** The stop the train is at or comes to next: the first not yet left. Null once it has left every stop. */
export function nextStopOf(stops: readonly RunStop[]): RunStop | null {
  return stops.find((stop) => stop.state !== 'departed') ?? null;
}

export type Progress =
  /** At its first station, or not there yet: the departure to come. */
  | { kind: 'not-started'; stop: RunStop; time: string | null }
  /** At a stop on the way: when it should leave. */
  | { kind: 'at'; stop: RunStop; time: string | null }
  /** On its way to a stop: when it should get there. */
  | { kind: 'next'; stop: RunStop; time: string | null }
  /** At (or past) its last station. */
  | { kind: 'arrived'; stop: RunStop; time: string | null };

/** Where a run is in its journey, in one sentence's worth; null without stops. */
export function progressOf(stops: readonly RunStop[]): Progress | null {
  if (stops.length === 0) return null;
  const last = stops[stops.length - 1];
  const next = nextStopOf(stops);
  if (!next || (next === last && next.state === 'at')) {
    return { kind: 'arrived', stop: last, time: last.actualArrival ?? last.eta ?? last.scheduledArrival };
  }
  if (next === stops[0]) {
    return { kind: 'not-started', stop: stops[0], time: stops[0].etd ?? stops[0].scheduledDeparture };
  }
  if (next.state === 'at') return { kind: 'at', stop: next, time: next.etd ?? next.scheduledDeparture };
  return { kind: 'next', stop: next, time: next.eta ?? next.scheduledArrival };
}

export interface ShownTime {
  time: string;
  /** actual: what happened; expected: the live estimate. */
  kind: 'actual' | 'expected';
  /** Minutes after the timetable (negative: before); null without a timetable time. */
  late: number | null;
}

export interface StopTime {
  scheduled: string | null;
  /** What happened or what is expected; null when there is nothing to add to the timetable. */
  shown: ShownTime | null;
}

function shown(scheduled: string | null, time: string | null, kind: ShownTime['kind']): ShownTime | null {
  return time ? { time, kind, late: minutesBetween(scheduled, time) } : null;
}

/**
 * A stop's arrival and departure as the timetable shows them: the scheduled time beside the actual one once it
 * happened, or the live estimate while it is to come. A train at a stop has arrived (actual) and is expected
 * to leave (estimate).
 */
export function stopTimes(stop: RunStop): { arrival: StopTime; departure: StopTime } {
  const arrived = stop.state !== 'upcoming';
  const left = stop.state === 'departed';
  return {
    arrival: {
      scheduled: stop.scheduledArrival,
      shown: arrived
        ? shown(stop.scheduledArrival, stop.actualArrival, 'actual')
        : shown(stop.scheduledArrival, stop.eta, 'expected'),
    },
    departure: {
      scheduled: stop.scheduledDeparture,
      shown: left
        ? shown(stop.scheduledDeparture, stop.actualDeparture, 'actual')
        : shown(stop.scheduledDeparture, stop.etd, 'expected'),
    },
  };
}

/** What a stop's state is called: a last stop left behind is where the train arrived. */
export function stopStateName(stop: Pick<RunStop, 'state'>, isLast: boolean): RunStop['state'] | 'arrived' {
  return isLast && stop.state === 'departed' ? 'arrived' : stop.state;
}

/** Whether a run can be shown at all: a cancelled trip is said as such, without times. */
export function isCancelled(run: Pick<TrainRun, 'status'>): boolean {
  return run.status === 'cancelled';
}
