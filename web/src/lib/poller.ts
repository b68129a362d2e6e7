// A source of data that stays fresh on its own: asked again every so often while someone looks at it. Made for
// cheap phones on slow connections: one request at a time (the next is planned once the previous has settled),
// nothing while the page is hidden or no screen listens, longer pauses after failures, and the last good
// answer kept on screen when a later request fails.
//
// `Source` is what screens read (through `useSource`, i.e. React's `useSyncExternalStore`); polling is one way
// to feed it, the live WebSocket (`liveSource.ts`) another, without the screens changing.
import { useMemo, useRef, useSyncExternalStore } from 'react';
import type { ApiResult } from './api';
import { SLOW_AFTER_MS, type RequestError } from './useRequest';

export interface Snapshot<T> {
  /** The last good answer, kept while later requests fail. */
  data: T | null;
  /** When that answer came (ms since the epoch, this device's clock). */
  receivedAt: number | null;
  /** The last attempt's failure; null once one succeeds. */
  error: RequestError | null;
  /** A request is on its way. */
  loading: boolean;
  /** ...and it is taking longer than usual. */
  slow: boolean;
  /** News arrives as it happens (the live WebSocket is up); absent or false when the data is asked for. */
  live?: boolean;
}

/** Data that changes by itself. `subscribe` and `getSnapshot` fit `useSyncExternalStore`. */
export interface Source<T> {
  subscribe(listener: () => void): () => void;
  /** The same object until something changes. */
  getSnapshot(): Snapshot<T>;
  /** Ask now, e.g. from a "try again" button (no effect while a request is on its way). */
  refresh(): void;
}

export interface PollEnv {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  isVisible(): boolean;
  /** Calls back when the page is shown or hidden; gives a way to stop. */
  onVisibilityChange(listener: () => void): () => void;
  /** Calls back when the device gets its network back. */
  onOnline(listener: () => void): () => void;
}

export interface PollOptions {
  /** Between the end of one request and the start of the next. */
  intervalMs: number;
  /** The longest pause after failures in a row. */
  maxIntervalMs?: number;
  /** A request is abandoned (and fails with `timeout`) after this long. */
  timeoutMs?: number;
  slowAfterMs?: number;
}

export const EMPTY_SNAPSHOT: Snapshot<never> = Object.freeze({
  data: null,
  receivedAt: null,
  error: null,
  loading: false,
  slow: false,
});

/**
 * How long to wait before the next request, or null for none now: none while hidden or while one is on its way;
 * at once when nothing was asked yet; else the interval after the last request settled, doubled after the
 * second failure in a row and again after the third, never more than `maxIntervalMs`.
 */
export function pollDelay(state: {
  visible: boolean;
  inFlight: boolean;
  /** When the last request settled (answered, failed or timed out); null if none did. */
  settledAt: number | null;
  /** Failures in a row. */
  failures: number;
  now: number;
  intervalMs: number;
  maxIntervalMs: number;
}): number | null {
  if (!state.visible || state.inFlight) return null;
  if (state.settledAt === null) return 0;
  const factor = 2 ** Math.min(Math.max(0, state.failures - 1), 10);
  const wait = Math.min(state.intervalMs * factor, Math.max(state.intervalMs, state.maxIntervalMs));
  return Math.max(0, state.settledAt + wait - state.now);
}

export const browserPollEnv: PollEnv = {
  now: () => Date.now(),
  setTimeout: (run, ms) => window.setTimeout(run, ms),
  clearTimeout: (timer) => window.clearTimeout(timer as number),
  isVisible: () => document.visibilityState !== 'hidden',
  onVisibilityChange(listener) {
    document.addEventListener('visibilitychange', listener);
    return () => document.removeEventListener('visibilitychange', listener);
  },
  onOnline(listener) {
    window.addEventListener('online', listener);
    return () => window.removeEventListener('online', listener);
  },
};

/** A `Source` fed by asking `load` again and again while it has listeners and the page is visible. */
export function createPoller<T>(
  load: (signal: AbortSignal) => Promise<ApiResult<T>>,
  options: PollOptions,
  env: PollEnv = browserPollEnv,
): Source<T> {
  const { intervalMs, maxIntervalMs = intervalMs * 4, timeoutMs = 20_000, slowAfterMs = SLOW_AFTER_MS } = options;
  const listeners = new Set<() => void>();
  let snapshot: Snapshot<T> = EMPTY_SNAPSHOT;
  let timer: unknown = null;
  let inFlight = false;
  let settledAt: number | null = null;
  let failures = 0;
  /** Bumped when polling stops: answers to older requests are then ignored. */
  let generation = 0;
  let abort: (() => void) | null = null;
  let stopWatching: Array<() => void> = [];

  function set(next: Partial<Snapshot<T>>): void {
    snapshot = { ...snapshot, ...next };
    for (const listener of Array.from(listeners)) listener();
  }

  function clearTimer(): void {
    if (timer !== null) env.clearTimeout(timer);
    timer = null;
  }

  function schedule(): void {
    clearTimer();
    if (listeners.size === 0) return;
    const delay = pollDelay({
      visible: env.isVisible(),
      inFlight,
      settledAt,
      failures,
      now: env.now(),
      intervalMs,
      maxIntervalMs,
    });
    if (delay === null) return;
    timer = env.setTimeout(() => {
      timer = null;
      poll();
    }, delay);
  }

  function poll(): void {
    if (inFlight || listeners.size === 0) return;
    clearTimer();
    inFlight = true;
    const mine = generation;
    const controller = new AbortController();
    let timedOut = false;
    let done = false;
    const slowTimer = env.setTimeout(() => {
      if (!done && mine === generation) set({ slow: true });
    }, slowAfterMs);
    const timeoutTimer = env.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    // An answer that never comes (a fetch ignoring the abort) still ends soon after the time limit.
    const lastResort = env.setTimeout(() => settle({ ok: false, error: { kind: 'timeout' } }), timeoutMs + 1_000);
    abort = () => controller.abort();
    set({ loading: true, slow: false });

    const settle = (result: ApiResult<T> | { ok: false; error: RequestError }) => {
      if (done) return;
      done = true;
      env.clearTimeout(slowTimer);
      env.clearTimeout(timeoutTimer);
      env.clearTimeout(lastResort);
      if (mine !== generation) return; // polling stopped meanwhile: this answer is nobody's
      inFlight = false;
      abort = null;
      settledAt = env.now();
      if (result.ok) {
        failures = 0;
        set({ data: result.data, receivedAt: settledAt, error: null, loading: false, slow: false });
      } else {
        failures += 1;
        set({ error: timedOut ? { kind: 'timeout' } : result.error, loading: false, slow: false });
      }
      schedule();
    };
    load(controller.signal).then(settle, () => settle({ ok: false, error: { kind: 'unexpected', status: 0 } }));
  }

  function start(): void {
    stopWatching = [
      env.onVisibilityChange(() => {
        if (env.isVisible()) schedule();
        else clearTimer(); // a request on its way may finish; none is planned after it
      }),
      env.onOnline(() => {
        if (env.isVisible()) poll();
      }),
    ];
    schedule();
  }

  function stop(): void {
    clearTimer();
    for (const unwatch of stopWatching) unwatch();
    stopWatching = [];
    generation += 1;
    if (inFlight) {
      abort?.();
      abort = null;
      inFlight = false;
      snapshot = { ...snapshot, loading: false, slow: false };
    }
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) start();
      return () => {
        if (!listeners.delete(listener)) return;
        if (listeners.size === 0) stop();
      };
    },
    getSnapshot: () => snapshot,
    refresh: () => poll(),
  };
}

const noSubscription = () => () => undefined;
const emptySnapshot = () => EMPTY_SNAPSHOT;

/** What a source holds now, re-rendering the caller when it changes; the empty snapshot without a source. */
export function useSource<T>(source: Source<T> | null): Snapshot<T> {
  return useSyncExternalStore(
    source ? source.subscribe : noSubscription,
    source ? source.getSnapshot : (emptySnapshot as () => Snapshot<T>),
  );
}

/**
 * `load` asked every `intervalMs` while the screen shows and the page is visible; another `key` is another
 * source (the previous one stops). Nothing is asked while `key` is null.
 */
export function usePoll<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<ApiResult<T>>,
  options: PollOptions,
): Snapshot<T> & { refresh: () => void } {
  const loadRef = useRef(load);
  loadRef.current = load;
  const { intervalMs, maxIntervalMs, timeoutMs, slowAfterMs } = options;
  const source = useMemo(
    () =>
      key === null
        ? null
        : createPoller<T>((signal) => loadRef.current(signal), { intervalMs, maxIntervalMs, timeoutMs, slowAfterMs }),
    [key, intervalMs, maxIntervalMs, timeoutMs, slowAfterMs],
  );
  const snapshot = useSource(source);
  return { ...snapshot, refresh: source ? source.refresh : () => undefined };
}
