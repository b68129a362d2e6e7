// The `/api/v1/live` WebSocket as the app speaks it, without a socket: the messages (read defensively), how what
// they say merges with what is known (the newest position of each run wins, by `updatedAt`), the pauses between
// reconnections, and the connection's states as a pure state machine. `liveSource.ts` drives a real socket with
// these. Pure: no DOM, no i18n, no clock, no randomness of its own.
import { parseTrain, type LiveTrain, type TrainRun } from './trains';

/** What one socket follows (one subscription at a time: a new one replaces the previous). */
export type LiveSubscription =
  /** Every running train (the live map). */
  | { channel: 'trains' }
  /** One run (the train page). */
  | { channel: 'run'; runId: number }
  /** The train of one of the signed-in user's bookings (the booking page). */
  | { channel: 'booking'; pnr: string };

/** The text to send to subscribe. */
export function subscribeText(subscription: LiveSubscription): string {
  switch (subscription.channel) {
    case 'trains':
      return JSON.stringify({ subscribe: 'trains' });
    case 'run':
      return JSON.stringify({ subscribe: 'run', runId: subscription.runId });
    case 'booking':
      return JSON.stringify({ subscribe: 'booking', pnr: subscription.pnr });
  }
}

/** Why the server refused a subscription. Unknown codes are read as `unavailable` (worth another try). */
export type LiveErrorCode = 'invalid' | 'unauthorized' | 'not-found' | 'unavailable';

export type LiveMessage =
  /** The current state, first thing after each subscription (the trains in it that have a usable position). */
  | { type: 'snapshot'; channel: string; trains: LiveTrain[] }
  /** A train's fixes were stored: its newest position and estimates. */
  | { type: 'train'; train: LiveTrain }
  | { type: 'error'; code: LiveErrorCode; message: string };

type Fields = Record<string, unknown>;

function object(value: unknown): Fields | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

const ERROR_CODES: readonly LiveErrorCode[] = ['invalid', 'unauthorized', 'not-found', 'unavailable'];

/**
 * One message of the server, or null for anything the app cannot use (not JSON, an unknown type, a train update
 * without a usable position). A snapshot keeps its usable trains, one per run (the newest).
 */
export function parseLiveMessage(text: unknown): LiveMessage | null {
  if (typeof text !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const v = object(value);
  if (!v) return null;
  switch (v.type) {
    case 'snapshot': {
      if (!Array.isArray(v.trains)) return null;
      const trains = newestPerRun(v.trains.map(parseTrain).filter((t): t is LiveTrain => t !== null));
      return { type: 'snapshot', channel: typeof v.channel === 'string' ? v.channel : '', trains };
    }
    case 'train': {
      const train = parseTrain(v.train);
      return train ? { type: 'train', train } : null;
    }
    case 'error': {
      const code = ERROR_CODES.find((c) => c === v.code) ?? 'unavailable';
      return { type: 'error', code, message: typeof v.message === 'string' ? v.message : '' };
    }
    default:
      return null;
  }
}

function time(train: LiveTrain): number {
  return Date.parse(train.updatedAt);
}

/** Whether `a` is a newer position than `b` (or `b` is missing). */
export function isNewer(a: LiveTrain, b: LiveTrain | null | undefined): boolean {
  return !b || time(a) > time(b);
}

/** One train per run, the newest, in the order the runs first appear. */
export function newestPerRun(trains: readonly LiveTrain[]): LiveTrain[] {
  const byRun = new Map<number, LiveTrain>();
  for (const train of trains) if (isNewer(train, byRun.get(train.runId))) byRun.set(train.runId, train);
  return Array.from(byRun.values());
}

/** The list with a train's news: added if its run is new, replacing the run's position only if newer. */
export function applyUpdate(known: readonly LiveTrain[] | null, train: LiveTrain): LiveTrain[] {
  const list = known ?? [];
  const index = list.findIndex((t) => t.runId === train.runId);
  if (index < 0) return [...list, train];
  if (!isNewer(train, list[index])) return list as LiveTrain[];
  const next = list.slice();
  next[index] = train;
  return next;
}

/**
 * A full state (a snapshot, or `GET /api/v1/trains`) replacing what is known: the runs it lists, plus those whose
 * news came after the subscription and before it (`early`); each run's newest position among all three. A run
 * known before but absent now has stopped running: it goes.
 */
export function applySnapshot(
  known: readonly LiveTrain[] | null,
  trains: readonly LiveTrain[],
  early: readonly LiveTrain[] = [],
): LiveTrain[] {
  const fresh = newestPerRun([...trains, ...early]);
  const before = new Map((known ?? []).map((t) => [t.runId, t]));
  return fresh.map((train) => {
    const old = before.get(train.runId);
    return old && isNewer(old, train) ? old : train;
  });
}

/**
 * A run with a newer position of its train: the summary (delay, position) follows at once, the stops wait for
 * the next `GET /api/v1/trains/{runId}`. Unchanged for another run's train or an older position.
 */
export function withLatest(run: TrainRun, train: LiveTrain | null | undefined): TrainRun {
  if (!train || train.runId !== run.runId || !isNewer(train, run.latest)) return run;
  return { ...run, latest: train, delayMinutes: train.delayMinutes ?? run.delayMinutes };
}

/** The pauses before reconnecting after 1, 2, 3… failures in a row: 1 s, 2 s, 5 s, 10 s, then 30 s. */
export const RECONNECT_STEPS_MS: readonly number[] = [1_000, 2_000, 5_000, 10_000, 30_000];
export const RECONNECT_MAX_MS = 30_000;

/**
 * The pause before the next attempt after `failures` failures in a row, with jitter (`random` in [0, 1): up to 20 %
 * either way) so that phones cut off together do not all come back in the same second; never above 30 s.
 */
export function reconnectDelay(failures: number, random: number): number {
  const step = RECONNECT_STEPS_MS[Math.min(Math.max(failures, 1), RECONNECT_STEPS_MS.length) - 1];
  const jitter = 0.8 + 0.4 * Math.min(Math.max(random, 0), 1);
  return Math.min(RECONNECT_MAX_MS, Math.round(step * jitter));
}

export type Phase =
  /** No socket: no screen listens, or the page is hidden. */
  | 'idle'
  /** A socket opening, or open and waiting for the subscription's snapshot. */
  | 'connecting'
  /** The snapshot came: news arrives as it happens. */
  | 'live'
  /** The socket failed: another attempt after a pause (polling stands in meanwhile). */
  | 'waiting'
  /** The server refused the subscription, or the browser has no WebSocket: polling only. */
  | 'refused';

export interface ConnectionState {
  phase: Phase;
  /** Failed attempts in a row (0 once live). */
  failures: number;
  /** Whether polling stands in for the socket: after a failure, or when the first attempt is slow. */
  fallback: boolean;
}

export type ConnectionEvent =
  /** A screen listens and the page is visible (or becomes visible again). */
  | { type: 'start' }
  /** No screen listens any more, or the page was hidden. */
  | { type: 'stop' }
  /** The socket is open. */
  | { type: 'opened' }
  | { type: 'snapshot' }
  /** The socket closed (or failed to open) without being asked to. */
  | { type: 'closed' }
  /** The server refused the subscription. */
  | { type: 'error'; code: LiveErrorCode }
  /** The first attempt takes long: polling starts meanwhile. */
  | { type: 'grace-over' }
  /** The attempt took too long: it is given up. */
  | { type: 'timeout' }
  /** The pause after a failure is over. */
  | { type: 'retry' }
  /** The device has its network back. */
  | { type: 'online' }
  /** Time to ask for a fresh snapshot (runs that stopped leave the list; news lost on the way is caught up). */
  | { type: 'resync' }
  /** This browser cannot open a WebSocket. */
  | { type: 'unsupported' };

export type ConnectionEffect =
  | { type: 'open' }
  | { type: 'close' }
  | { type: 'subscribe' }
  /** Plan `retry` after the pause for this many failures in a row (`reconnectDelay`). */
  | { type: 'retry-later'; failures: number }
  /** Plan `grace-over` and `timeout` for the attempt just started. */
  | { type: 'watch-attempt' }
  /** Plan the next `resync`. */
  | { type: 'plan-resync' }
  /** Forget every planned event. */
  | { type: 'cancel-timers' };

export const INITIAL_CONNECTION: ConnectionState = Object.freeze({ phase: 'idle', failures: 0, fallback: false });

type Step = { state: ConnectionState; effects: ConnectionEffect[] };

function failed(state: ConnectionState, closeSocket: boolean): Step {
  const failures = state.failures + 1;
  return {
    state: { phase: 'waiting', failures, fallback: true },
    effects: [
      { type: 'cancel-timers' },
      ...(closeSocket ? [{ type: 'close' } as const] : []),
      { type: 'retry-later', failures },
    ],
  };
}

const attempt: ConnectionEffect[] = [{ type: 'cancel-timers' }, { type: 'open' }, { type: 'watch-attempt' }];

/**
 * The connection's next state and what to do, for an event. Events that make no sense in a state (a late timer,
 * a message of a socket already given up) change nothing.
 */
export function connectionStep(state: ConnectionState, event: ConnectionEvent): Step {
  const same: Step = { state, effects: [] };
  switch (event.type) {
    case 'start':
      if (state.phase !== 'idle') return same;
      return { state: { phase: 'connecting', failures: 0, fallback: false }, effects: attempt };
    case 'stop':
      if (state.phase === 'idle') return same;
      // A refusal is about this subscription on this page: a new start asks again.
      return { state: INITIAL_CONNECTION, effects: [{ type: 'cancel-timers' }, { type: 'close' }] };
    case 'unsupported':
      return {
        state: { phase: 'refused', failures: state.failures, fallback: true },
        effects: [{ type: 'cancel-timers' }],
      };
    case 'opened':
      return state.phase === 'connecting' ? { state, effects: [{ type: 'subscribe' }] } : same;
    case 'snapshot':
      if (state.phase !== 'connecting' && state.phase !== 'live') return same;
      return {
        state: { phase: 'live', failures: 0, fallback: false },
        effects: [{ type: 'cancel-timers' }, { type: 'plan-resync' }],
      };
    case 'closed':
      return state.phase === 'connecting' || state.phase === 'live' ? failed(state, false) : same;
    case 'timeout':
      return state.phase === 'connecting' ? failed(state, true) : same;
    case 'grace-over':
      return state.phase === 'connecting' ? { state: { ...state, fallback: true }, effects: [] } : same;
    case 'error':
      if (state.phase !== 'connecting' && state.phase !== 'live') return same;
      if (event.code === 'unavailable') return failed(state, true);
      return {
        state: { phase: 'refused', failures: state.failures, fallback: true },
        effects: [{ type: 'cancel-timers' }, { type: 'close' }],
      };
    case 'retry':
      return state.phase === 'waiting' ? { state: { ...state, phase: 'connecting' }, effects: attempt } : same;
    case 'online':
      // Back from a network change: a socket that looked open may be dead, a pause is no longer needed.
      if (state.phase === 'waiting') return { state: { ...state, phase: 'connecting' }, effects: attempt };
      if (state.phase === 'live' || state.phase === 'connecting') {
        return { state: { ...state, phase: 'connecting' }, effects: [{ type: 'close' }, ...attempt] };
      }
      return same;
    case 'resync':
      return state.phase === 'live' ? { state, effects: [{ type: 'subscribe' }, { type: 'plan-resync' }] } : same;
  }
}

/** After news, a run read without its stops (or not at all: 404) is read again this soon, not a minute later. */
export const QUICK_READ_MS = 5_000;

/**
 * How long before the next HTTP read (`GET /api/v1/trains…`), or null for none now. Never while hidden or while
 * one is on its way. While the socket is live: only when the channel's news calls for one (`refetchMs`, the run's
 * stops) and something new came (`dirty`), at most every `refetchMs` (every `QUICK_READ_MS` while what was read is not
 * whole). Otherwise: when polling stands in for the
 * socket, every `intervalMs` after the last read settled (longer after failures in a row, up to `maxIntervalMs`),
 * and, for a channel that needs the read anyway, at once for its first answer.
 */
export function fetchDelay(state: {
  visible: boolean;
  inFlight: boolean;
  settledAt: number | null;
  failures: number;
  now: number;
  live: boolean;
  fallback: boolean;
  dirty: boolean;
  /**
   * Whether what was read is whole: not for a run without live data yet (404), nor for one whose stops tracking
   * does not have yet (they come with the run's first fix on the line).
   */
  complete: boolean;
  refetchMs: number | null;
  intervalMs: number;
  maxIntervalMs: number;
}): number | null {
  if (!state.visible || state.inFlight) return null;
  const needsRead = state.refetchMs !== null && state.dirty;
  const wanted = state.live ? needsRead : state.fallback || needsRead;
  if (!wanted) return null;
  if (state.settledAt === null) return 0;
  const refetch = state.complete ? state.refetchMs : Math.min(state.refetchMs ?? QUICK_READ_MS, QUICK_READ_MS);
  const base = state.live || !state.fallback ? (refetch ?? state.intervalMs) : state.intervalMs;
  const factor = 2 ** Math.min(Math.max(0, state.failures - 1), 10);
  const wait = Math.min(base * factor, Math.max(base, state.maxIntervalMs));
  return Math.max(0, state.settledAt + wait - state.now);
}

/** How a channel's news and the HTTP answers make the data a screen shows. */
export interface LiveMerge<T> {
  /** An answer of the HTTP read, given what is known. */
  answer(known: T | null, loaded: T): T;
  /** A subscription's snapshot, with the news that came after the subscription and before it. */
  snapshot(known: T | null, trains: readonly LiveTrain[], early: readonly LiveTrain[]): T | null;
  update(known: T | null, train: LiveTrain): T | null;
  /** Whether the data holds all the HTTP read can give (else it is read again soon after news). */
  complete(data: T | null): boolean;
}

/** The live map's list: every running train. */
export const trainsMerge: LiveMerge<LiveTrain[]> = {
  answer: (known, loaded) => applySnapshot(known, loaded),
  snapshot: (known, trains, early) => applySnapshot(known, trains, early),
  update: (known, train) => applyUpdate(known, train),
  complete: () => true,
};

/**
 * One run (a train's page, a booking's train): its stops come from the HTTP read only, the socket's news moves
 * its latest position and delay between two reads. Without a run read yet, news changes nothing (but calls for
 * a read).
 */
export const runMerge: LiveMerge<TrainRun> = {
  answer: (known, loaded) => withLatest(loaded, known?.latest),
  snapshot: (known, trains, early) => {
    if (!known) return null;
    const mine = [...trains, ...early].filter((t) => t.runId === known.runId);
    return withLatest(known, newestPerRun(mine)[0]);
  },
  update: (known, train) => (known ? withLatest(known, train) : null),
  // Tracking gives a run's stops from its first fix on the line: a run without them is read again soon.
  complete: (run) => run !== null && run.stops.length > 0,
};
