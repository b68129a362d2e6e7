// Who is signed in, as the gateway's session cookie says. The session itself is an HttpOnly cookie:
// the app only ever learns the user through `GET /api/v1/me` and never holds a token.
import { useSyncExternalStore } from 'react';
import type { ApiError } from '../../lib/api';
import { getMe } from './api/getMe';
import { logout } from './api/logout';
import type { User } from './api/types';

export type Session =
  | { status: 'checking' }
  | { status: 'signed-in'; user: User }
  | { status: 'signed-out' }
  /** The server could not be asked (offline, gateway down): we do not know. */
  | { status: 'unreachable' };

let session: Session = { status: 'checking' };
const listeners = new Set<() => void>();

function set(next: Session): void {
  session = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function getSession(): Session {
  return session;
}

export function useSession(): Session {
  return useSyncExternalStore(subscribe, getSession);
}

let inFlight: Promise<void> | null = null;

/** Asks the gateway who is signed in. Concurrent calls share one request. */
export function refreshSession(): Promise<void> {
  inFlight ??= getMe()
    .then((result) => {
      if (result.ok) set({ status: 'signed-in', user: result.data });
      else if (result.error.kind === 'problem' && result.error.status === 401) set({ status: 'signed-out' });
      else if (session.status !== 'signed-in') set({ status: 'unreachable' });
    })
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

/**
 * Ends the web session. Resolves with null once signed out, or with the error that kept the user
 * signed in (the caller shows it).
 */
export async function signOut(): Promise<ApiError | null> {
  const result = await logout();
  if (result.ok) {
    set({ status: 'signed-out' });
    return null;
  }
  if (result.error.kind === 'network') return result.error;
  // Anything else (already signed out, a refused CSRF token…): the server decides who we are now.
  await refreshSession();
  return getSession().status === 'signed-out' ? null : result.error;
}
