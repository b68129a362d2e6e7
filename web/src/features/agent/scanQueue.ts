// Checks made offline wait on the device until booking is told of them (`POST /api/v1/tickets/verify`, which journals
// the scan); and the device remembers the tickets it found valid, to flag a second check while offline. Pure.

export interface QueuedScan {
  /** The QR text, as checked. */
  qr: string;
  tripId: number | null;
  /** When the conductor checked it (epoch ms): sent as `scannedAt`, booking judges and journals the check then. */
  checkedAt: number;
  ticketId: string;
  /** What the device found. */
  validOffline: boolean;
}

/** Ticket id -> first valid check on this device (ISO instant). */
export type SeenTickets = Record<string, string>;

/** A device keeps what it saw for this long (a ticket is valid at most about a day and a half). */
export const SEEN_FOR_MS = 3 * 86_400_000;
/** At most this many scans wait (oldest dropped beyond, never silently: the count shows). */
export const QUEUE_MAX = 2_000;

export function parseQueue(text: string | null): QueuedScan[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value.filter(
      (s): s is QueuedScan =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as QueuedScan).qr === 'string' &&
        typeof (s as QueuedScan).checkedAt === 'number',
    );
  } catch {
    return [];
  }
}

export function enqueue(queue: readonly QueuedScan[], scan: QueuedScan): QueuedScan[] {
  const next = [...queue, scan];
  return next.length > QUEUE_MAX ? next.slice(next.length - QUEUE_MAX) : next;
}

/** The queue without the scan that was sent (the same text checked at the same time). */
/** The body that tells booking of a queued check: its ticket, its train, and when it was made. */
export function queuedCheck(scan: QueuedScan): { qr: string; tripId?: number; scannedAt: string } {
  const at = new Date(scan.checkedAt).toISOString();
  return scan.tripId != null ? { qr: scan.qr, tripId: scan.tripId, scannedAt: at } : { qr: scan.qr, scannedAt: at };
}

export function withoutScan(queue: readonly QueuedScan[], sent: QueuedScan): QueuedScan[] {
  const index = queue.findIndex((s) => s.qr === sent.qr && s.checkedAt === sent.checkedAt);
  return index < 0 ? [...queue] : [...queue.slice(0, index), ...queue.slice(index + 1)];
}

export function parseSeen(text: string | null): SeenTickets {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    const seen: SeenTickets = {};
    for (const [id, at] of Object.entries(value as Record<string, unknown>)) if (typeof at === 'string') seen[id] = at;
    return seen;
  } catch {
    return {};
  }
}

/** Remembers a valid check (the first one stays) and forgets what is older than `SEEN_FOR_MS`. */
export function rememberSeen(seen: SeenTickets, ticketId: string, at: string, now: number): SeenTickets {
  const next: SeenTickets = {};
  for (const [id, when] of Object.entries(seen)) if (now - Date.parse(when) < SEEN_FOR_MS) next[id] = when;
  if (!next[ticketId]) next[ticketId] = at;
  return next;
}
