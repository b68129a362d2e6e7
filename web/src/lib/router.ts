// Client-side routes over the History API: no router library. Paths are plain strings.
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  if (listeners.size === 0) window.addEventListener('popstate', notify);
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', notify);
  };
}

function currentPath(): string {
  return window.location.pathname;
}

/** The current path (`/profile`), re-rendering the caller when it changes. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

function currentSearch(): string {
  return window.location.search;
}

/** The current query string (`?from=OWE&to=FCV`, or ''), re-rendering the caller when it changes. */
export function useSearch(): string {
  return useSyncExternalStore(subscribe, currentSearch);
}

/**
 * A query string from named values, in the given order, without the empty ones: `from=OWE&seats=3-14,3-15`.
 * Values are percent-encoded except the commas of lists, which stay readable in a shared link.
 */
export function toQueryString(params: Record<string, string | number | null | undefined>): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string | number] => entry[1] != null && entry[1] !== '')
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value)).replace(/%2C/g, ',')}`)
    .join('&');
}

/** Go to an in-app path without reloading the page. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search + window.location.hash) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

/** Whether a click on an in-app link should be handled by the app rather than by the browser. */
export function isPlainLeftClick(event: {
  button: number;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  defaultPrevented: boolean;
}): boolean {
  return (
    !event.defaultPrevented &&
    event.button === 0 &&
    !event.metaKey &&
    !event.ctrlKey &&
    !event.shiftKey &&
    !event.altKey
  );
}

/** `/profile/` and `/profile` are the same page. */
export function normalizePath(path: string): string {
  if (path.length <= 1) return path || '/';
  return path.replace(/\/+$/, '') || '/';
}
