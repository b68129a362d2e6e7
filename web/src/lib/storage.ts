// The tab's sessionStorage, which may be missing or refuse (private mode, a full quota, a policy): then nothing
// is remembered, and nothing breaks.

function store(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.sessionStorage;
  } catch {
    return null;
  }
}

export function readSession(key: string): string | null {
  try {
    return store()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function writeSession(key: string, value: string): void {
  try {
    store()?.setItem(key, value);
  } catch {
    // not remembered: the user types it again
  }
}

export function removeSession(key: string): void {
  try {
    store()?.removeItem(key);
  } catch {
    // nothing to do
  }
}
