// One GET-like request bound to a screen: loading, slow, answered or failed, and a way to try again.
// Made for slow mobile connections: the user is told when an answer is slow, and a request never waits
// forever (it is abandoned after a time limit and reported as such).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError, ApiResult } from './api';

/** An API error, or no answer within the time limit. */
export type RequestError = ApiError | { kind: 'timeout' };

export type RequestState<T> =
  /** Nothing to ask (the key is null). */
  | { status: 'idle' }
  /** Asked; `slow` once the answer takes longer than usual. */
  | { status: 'loading'; slow: boolean }
  | { status: 'done'; data: T }
  | { status: 'failed'; error: RequestError };

export interface RequestOptions {
  /** After this long the state says `slow`, so the screen can offer to try again. */
  slowAfterMs?: number;
  /** After this long the request is abandoned and fails with `timeout`. */
  timeoutMs?: number;
}

export const SLOW_AFTER_MS = 6_000;
export const TIMEOUT_MS = 30_000;

type Loaded<T> = { key: string; attempt: number; state: RequestState<T> };

/**
 * Runs `load` whenever `key` changes (and on `retry`), abandoning the previous request. `key` names what is
 * asked (for example the query string): while it is null nothing is asked.
 */
export function useRequest<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<ApiResult<T>>,
  options: RequestOptions = {},
): RequestState<T> & { retry: () => void } {
  const { slowAfterMs = SLOW_AFTER_MS, timeoutMs = TIMEOUT_MS } = options;
  const [attempt, setAttempt] = useState(0);
  const [loaded, setLoaded] = useState<Loaded<T> | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    if (key === null) return;
    let settled = false;
    let timedOut = false;
    const controller = new AbortController();
    const set = (state: RequestState<T>) => setLoaded({ key, attempt, state });
    set({ status: 'loading', slow: false });
    const slowTimer = setTimeout(() => {
      if (!settled) set({ status: 'loading', slow: true });
    }, slowAfterMs);
    const timeoutTimer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    loadRef
      .current(controller.signal)
      .then((result) => {
        if (settled) return;
        settled = true;
        if (result.ok) set({ status: 'done', data: result.data });
        else set({ status: 'failed', error: timedOut ? { kind: 'timeout' } : result.error });
      })
      .catch(() => {
        if (settled) return;
        settled = true;
        set({ status: 'failed', error: { kind: 'unexpected', status: 0 } });
      })
      .finally(() => {
        clearTimeout(slowTimer);
        clearTimeout(timeoutTimer);
      });
    return () => {
      settled = true; // a newer request (or none) replaces this one: its answer no longer matters
      clearTimeout(slowTimer);
      clearTimeout(timeoutTimer);
      controller.abort();
    };
  }, [key, attempt, slowAfterMs, timeoutMs]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  if (key === null) return { status: 'idle', retry };
  // Until the effect has run for this key and attempt, what is shown is that it is loading, never the
  // previous key's answer.
  if (!loaded || loaded.key !== key || loaded.attempt !== attempt) return { status: 'loading', slow: false, retry };
  return { ...loaded.state, retry };
}

/**
 * One request that changes something (a POST), given up after `timeoutMs` like a screen's GET: the answer, or
 * `timeout`. A request given up may still have been done by the server: send it again with the same
 * `Idempotency-Key` to learn its outcome rather than doing it twice.
 */
export async function sendWithTimeLimit<T>(
  send: (signal: AbortSignal) => Promise<ApiResult<T>>,
  timeoutMs: number = TIMEOUT_MS,
): Promise<{ ok: true; status: number; data: T } | { ok: false; error: RequestError }> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const result = await send(controller.signal);
    if (!result.ok && timedOut) return { ok: false, error: { kind: 'timeout' } };
    return result;
  } finally {
    clearTimeout(timer);
  }
}
