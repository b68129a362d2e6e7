// A `Source` fed by the `/api/v1/live` WebSocket, with the HTTP read beside it: a snapshot on each subscription,
// then the news as it happens; the read (`GET /api/v1/trains…`) when the channel needs it (a run's stops, at most
// every `refetchMs` after news) and, polling as `poller.ts` does, whenever the socket is down. Made for cheap phones
// on slow networks: no socket while the page is hidden or no screen listens, reconnection after a pause that grows
// (1 s, 2 s, 5 s, 10 s, then 30 s, with jitter), a fresh subscription after each reconnection, and the news of a
// burst drawn at most once a second. The decisions are the pure functions of `live.ts`; this file only runs them.
import type { ApiResult } from './api';
import {
  INITIAL_CONNECTION,
  connectionStep,
  fetchDelay,
  parseLiveMessage,
  reconnectDelay,
  subscribeText,
  type ConnectionEffect,
  type ConnectionEvent,
  type LiveMerge,
  type LiveSubscription,
} from './live';
import { EMPTY_SNAPSHOT, browserPollEnv, type PollEnv, type Snapshot, type Source } from './poller';
import type { LiveTrain } from './trains';
import { SLOW_AFTER_MS, type RequestError } from './useRequest';

export interface SocketLike {
  send(text: string): void;
  /** Closes the socket; no callback of it comes after. */
  close(): void;
}

export interface SocketCallbacks {
  onOpen(): void;
  onMessage(data: unknown): void;
  /** Closed by the server or the network, or never opened. */
  onClose(): void;
}

export interface LiveEnv extends PollEnv {
  /** In [0, 1). */
  random(): number;
  /** Opens a socket to `/api/v1/live`; null when this browser cannot. */
  openSocket(callbacks: SocketCallbacks): SocketLike | null;
}

/** The first attempt may take this long before polling stands in (a slow network), without giving it up. */
export const GRACE_MS = 3_000;
/** An attempt that has not brought its snapshot after this long is given up (and tried again later). */
export const CONNECT_TIMEOUT_MS = 15_000;
/** While live, a fresh snapshot this often: runs that stopped leave, news lost on the way is caught up. */
export const RESYNC_MS = 5 * 60_000;
/** News is drawn at most this often (a burst of updates is one render). */
export const DRAW_EVERY_MS = 1_000;

export interface LiveSourceOptions<T> {
  subscription: LiveSubscription;
  /** The HTTP read. */
  load(signal: AbortSignal): Promise<ApiResult<T>>;
  merge: LiveMerge<T>;
  /** For a channel whose news does not say everything (a run's stops): read again after news, at most this often. */
  refetchMs: number | null;
  /** Polling while the socket is down. */
  intervalMs: number;
  maxIntervalMs?: number;
  timeoutMs?: number;
  slowAfterMs?: number;
}

/** `ws://host/api/v1/live`, or `wss://` for a page served over https. */
export function liveSocketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;
}

export const browserLiveEnv: LiveEnv = {
  ...browserPollEnv,
  random: () => Math.random(),
  openSocket(callbacks) {
    if (typeof WebSocket === 'undefined') return null;
    let socket: WebSocket;
    try {
      socket = new WebSocket(liveSocketUrl(window.location));
    } catch {
      return null; // refused by the browser's policy
    }
    socket.onopen = () => callbacks.onOpen();
    socket.onmessage = (event) => callbacks.onMessage(event.data);
    // An error is always followed by a close.
    socket.onclose = () => callbacks.onClose();
    return {
      send: (text) => socket.send(text),
      close() {
        socket.onopen = null;
        socket.onmessage = null;
        socket.onclose = null;
        try {
          socket.close(1000);
        } catch {
          // already closed
        }
      },
    };
  },
};

export function createLiveSource<T>(options: LiveSourceOptions<T>, env: LiveEnv = browserLiveEnv): Source<T> {
  const { subscription, load, merge, refetchMs, intervalMs } = options;
  const { maxIntervalMs = intervalMs * 4, timeoutMs = 20_000, slowAfterMs = SLOW_AFTER_MS } = options;
  const listeners = new Set<() => void>();
  let snapshot: Snapshot<T> = EMPTY_SNAPSHOT;

  // What is known.
  let data: T | null = null;
  let receivedAt: number | null = null;
  let error: RequestError | null = null;
  let loading = false;
  let slow = false;
  let drawTimer: unknown = null;

  // The socket.
  let connection = INITIAL_CONNECTION;
  let socket: SocketLike | null = null;
  let connectionTimers: unknown[] = [];
  let awaitingSnapshot = false;
  /** News after the subscription, before its snapshot. */
  let early: LiveTrain[] = [];
  const queue: ConnectionEvent[] = [];
  let stepping = false;

  // The HTTP read.
  let fetchTimer: unknown = null;
  let inFlight = false;
  let settledAt: number | null = null;
  let failures = 0;
  /** News came that the read should catch up with (and, at first, nothing was read yet). */
  let dirty = refetchMs !== null;
  /** Bumped when the source stops: answers to older reads are then ignored. */
  let generation = 0;
  let abort: (() => void) | null = null;
  let unwatch: Array<() => void> = [];

  const live = () => connection.phase === 'live';

  function draw(): void {
    if (drawTimer !== null) env.clearTimeout(drawTimer);
    drawTimer = null;
    snapshot = {
      data,
      receivedAt,
      // While live the data is current: an older failed read is not worth saying (unless there is nothing to show).
      error: live() && data !== null ? null : error,
      loading,
      slow,
      live: live(),
    };
    for (const listener of Array.from(listeners)) listener();
  }

  function drawSoon(): void {
    if (drawTimer === null) drawTimer = env.setTimeout(draw, DRAW_EVERY_MS);
  }

  function dispatch(event: ConnectionEvent): void {
    queue.push(event);
    if (stepping) return;
    stepping = true;
    const wasLive = live();
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const step = connectionStep(connection, next);
        connection = step.state;
        for (const effect of step.effects) perform(effect);
      }
    } finally {
      stepping = false;
    }
    if (wasLive !== live()) draw();
    scheduleFetch();
  }

  function later(event: ConnectionEvent, ms: number): void {
    connectionTimers.push(env.setTimeout(() => dispatch(event), ms));
  }

  function perform(effect: ConnectionEffect): void {
    switch (effect.type) {
      case 'open':
        openSocket();
        break;
      case 'close':
        closeSocket();
        break;
      case 'subscribe':
        awaitingSnapshot = true;
        early = [];
        try {
          socket?.send(subscribeText(subscription));
        } catch {
          dispatch({ type: 'closed' }); // not open after all
        }
        break;
      case 'retry-later':
        later({ type: 'retry' }, reconnectDelay(effect.failures, env.random()));
        break;
      case 'watch-attempt':
        later({ type: 'grace-over' }, GRACE_MS);
        later({ type: 'timeout' }, CONNECT_TIMEOUT_MS);
        break;
      case 'plan-resync':
        later({ type: 'resync' }, RESYNC_MS);
        break;
      case 'cancel-timers':
        for (const timer of connectionTimers) env.clearTimeout(timer);
        connectionTimers = [];
        break;
    }
  }

  function openSocket(): void {
    closeSocket();
    const mine: { socket: SocketLike | null } = { socket: null };
    const current = () => mine.socket !== null && mine.socket === socket;
    mine.socket = env.openSocket({
      onOpen: () => {
        if (current()) dispatch({ type: 'opened' });
      },
      onMessage: (text) => {
        if (current()) receive(text);
      },
      onClose: () => {
        if (!current()) return;
        socket = null;
        dispatch({ type: 'closed' });
      },
    });
    socket = mine.socket;
    if (!socket) dispatch({ type: 'unsupported' });
  }

  function closeSocket(): void {
    const open = socket;
    socket = null;
    awaitingSnapshot = false;
    early = [];
    open?.close();
  }

  function receive(text: unknown): void {
    const message = parseLiveMessage(text);
    if (!message) return;
    switch (message.type) {
      case 'snapshot': {
        const next = merge.snapshot(data, message.trains, early);
        // Newer than what is known, or news of a run not read yet (unless the read is on its way).
        if (next !== data || (data === null && message.trains.length > 0 && !inFlight)) dirty = true;
        data = next;
        awaitingSnapshot = false;
        early = [];
        receivedAt = env.now();
        if (data !== null) error = null;
        const wasLive = live();
        dispatch({ type: 'snapshot' });
        if (wasLive) draw(); // else dispatch drew it, becoming live
        break;
      }
      case 'train': {
        if (awaitingSnapshot) early.push(message.train);
        const next = merge.update(data, message.train);
        if (next !== data) {
          data = next;
          receivedAt = env.now();
          dirty = true;
          drawSoon();
        } else if (data === null && !inFlight) {
          dirty = true; // news of a run not read yet
        } else {
          return; // nothing newer
        }
        scheduleFetch();
        break;
      }
      case 'error':
        dispatch({ type: 'error', code: message.code });
        break;
    }
  }

  function scheduleFetch(): void {
    if (fetchTimer !== null) env.clearTimeout(fetchTimer);
    fetchTimer = null;
    if (listeners.size === 0) return;
    const delay = fetchDelay({
      visible: env.isVisible(),
      inFlight,
      settledAt,
      failures,
      now: env.now(),
      live: live(),
      fallback: connection.fallback,
      dirty,
      complete: merge.complete(data),
      refetchMs,
      intervalMs,
      maxIntervalMs,
    });
    if (delay === null) return;
    fetchTimer = env.setTimeout(() => {
      fetchTimer = null;
      fetchNow();
    }, delay);
  }

  function fetchNow(): void {
    if (inFlight || listeners.size === 0) return;
    if (fetchTimer !== null) env.clearTimeout(fetchTimer);
    fetchTimer = null;
    inFlight = true;
    dirty = false; // news from now on calls for another read
    const mine = generation;
    const controller = new AbortController();
    let timedOut = false;
    let done = false;
    const slowTimer = env.setTimeout(() => {
      if (done || mine !== generation) return;
      slow = true;
      draw();
    }, slowAfterMs);
    const timeoutTimer = env.setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    // An answer that never comes (a fetch ignoring the abort) still ends soon after the time limit.
    const lastResort = env.setTimeout(() => settle({ ok: false, error: { kind: 'timeout' } }), timeoutMs + 1_000);
    abort = () => controller.abort();
    loading = true;
    slow = false;
    draw();

    const settle = (result: ApiResult<T> | { ok: false; error: RequestError }) => {
      if (done) return;
      done = true;
      env.clearTimeout(slowTimer);
      env.clearTimeout(timeoutTimer);
      env.clearTimeout(lastResort);
      if (mine !== generation) return; // the source stopped meanwhile: this answer is nobody's
      inFlight = false;
      abort = null;
      settledAt = env.now();
      loading = false;
      slow = false;
      if (result.ok) {
        failures = 0;
        data = merge.answer(data, result.data);
        receivedAt = settledAt;
        error = null;
      } else {
        failures += 1;
        error = timedOut ? { kind: 'timeout' } : result.error;
        // Read again later, unless the run has no live data yet: its first news will say when it has.
        if (refetchMs !== null && !(error.kind === 'problem' && error.status === 404)) dirty = true;
      }
      draw();
      scheduleFetch();
    };
    load(controller.signal).then(settle, () => settle({ ok: false, error: { kind: 'unexpected', status: 0 } }));
  }

  function start(): void {
    dirty = dirty || refetchMs !== null;
    unwatch = [
      env.onVisibilityChange(() => {
        if (env.isVisible()) {
          dispatch({ type: 'start' });
        } else {
          // No socket in the background; a read on its way may finish, none is planned after it.
          dispatch({ type: 'stop' });
          if (fetchTimer !== null) env.clearTimeout(fetchTimer);
          fetchTimer = null;
        }
      }),
      env.onOnline(() => {
        if (!env.isVisible()) return;
        dispatch({ type: 'online' });
        if (!live()) fetchNow();
      }),
    ];
    if (env.isVisible()) dispatch({ type: 'start' });
    else scheduleFetch();
  }

  function stop(): void {
    for (const watch of unwatch) watch();
    unwatch = [];
    dispatch({ type: 'stop' });
    if (fetchTimer !== null) env.clearTimeout(fetchTimer);
    fetchTimer = null;
    if (drawTimer !== null) env.clearTimeout(drawTimer);
    drawTimer = null;
    generation += 1;
    if (inFlight) {
      abort?.();
      abort = null;
      inFlight = false;
      loading = false;
      slow = false;
    }
    snapshot = { ...snapshot, data, receivedAt, loading: false, slow: false, live: false };
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
    refresh() {
      if (connection.phase === 'waiting') dispatch({ type: 'retry' });
      fetchNow();
    },
  };
}
