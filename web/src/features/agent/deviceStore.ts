// What the staff screens keep on the device (localStorage, which may be missing or refuse: then nothing is kept and
// nothing breaks): the ticket keys, the station names, the scans waiting to be sent, the tickets seen.
import { parseQueue, parseSeen, type QueuedScan, type SeenTickets } from './scanQueue';
import { parseStoredKeys, type StoredKeys } from './ticketKeys';

export const KEYS_KEY = 'setrag.agent.ticketKeys';
export const QUEUE_KEY = 'setrag.agent.scanQueue';
export const SEEN_KEY = 'setrag.agent.seenTickets';
export const STATIONS_KEY = 'setrag.agent.stations';

function local(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    return null;
  }
}

function read(key: string): string | null {
  try {
    return local()?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(key: string, value: string): boolean {
  try {
    const store = local();
    if (!store) return false;
    store.setItem(key, value);
    return true;
  } catch {
    return false;
  }
}

export const loadKeys = (): StoredKeys | null => parseStoredKeys(read(KEYS_KEY));
export const saveKeys = (keys: StoredKeys): boolean => write(KEYS_KEY, JSON.stringify(keys));

export const loadQueue = (): QueuedScan[] => parseQueue(read(QUEUE_KEY));
export const saveQueue = (queue: readonly QueuedScan[]): boolean => write(QUEUE_KEY, JSON.stringify(queue));

export const loadSeen = (): SeenTickets => parseSeen(read(SEEN_KEY));
export const saveSeen = (seen: SeenTickets): boolean => write(SEEN_KEY, JSON.stringify(seen));

export function loadStationNames(): Record<string, string> {
  try {
    const value: unknown = JSON.parse(read(STATIONS_KEY) ?? '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, string>) : {};
  } catch {
    return {};
  }
}
export const saveStationNames = (names: Record<string, string>): boolean => write(STATIONS_KEY, JSON.stringify(names));
