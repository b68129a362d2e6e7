// A confirmed booking's e-tickets, kept in localStorage when fetched, so that they still show on the train with
// no network (the service worker keeps the shell, never the API's answers).
import type { TicketList } from './api/types';

export const TICKETS_KEY_PREFIX = 'setrag.tickets.';

export function ticketsKey(pnr: string): string {
  return `${TICKETS_KEY_PREFIX}${pnr.toUpperCase()}`;
}

/** What is read back from storage: the tickets and when they were saved (epoch ms). */
export interface StoredTickets {
  savedAt: number;
  list: TicketList;
}

function isTicketList(value: unknown): value is TicketList {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.pnr === 'string' &&
    Array.isArray(v.tickets) &&
    v.tickets.every((t: unknown) => {
      if (typeof t !== 'object' || t === null) return false;
      const ticket = t as Record<string, unknown>;
      return typeof ticket.id === 'string' && typeof ticket.qr === 'string' && typeof ticket.passengerName === 'string';
    })
  );
}

/** The stored text for a ticket list (parsed back by `parseStoredTickets`). */
export function serializeTickets(list: TicketList, savedAt: number): string {
  return JSON.stringify({ savedAt, list });
}

/** The stored tickets of that booking, or null when missing, unreadable or of another booking. */
export function parseStoredTickets(text: string | null, pnr: string): StoredTickets | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as { savedAt?: unknown; list?: unknown };
    if (typeof value.savedAt !== 'number' || !isTicketList(value.list)) return null;
    if (value.list.pnr.toUpperCase() !== pnr.toUpperCase()) return null;
    return { savedAt: value.savedAt, list: value.list };
  } catch {
    return null;
  }
}

function local(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    return null;
  }
}

export function saveTickets(list: TicketList, now = Date.now()): void {
  try {
    local()?.setItem(ticketsKey(list.pnr), serializeTickets(list, now));
  } catch {
    // a full or refused storage: the tickets just won't show offline
  }
}

export function loadTickets(pnr: string): StoredTickets | null {
  try {
    return parseStoredTickets(local()?.getItem(ticketsKey(pnr)) ?? null, pnr);
  } catch {
    return null;
  }
}

export function forgetTickets(pnr: string): void {
  try {
    local()?.removeItem(ticketsKey(pnr));
  } catch {
    // nothing to do
  }
}
