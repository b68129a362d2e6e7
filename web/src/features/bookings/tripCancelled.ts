// SETRAG cancelled the booking's train (inventory's TripCancelled, recorded by booking): what its holder is told and
// may choose, a free exchange or a full refund. Pure: no DOM, no i18n (the language is an argument).
import type { Lang } from '../../i18n/lang';
import type { Booking, BookingSummary, OperatorCancellation } from './api/types';

export type TripCancelledChoice = 'exchange' | 'refund';

export interface TripCancelledView {
  /** Booking's notice in the user's language (it writes French and English), or null: the app says it itself. */
  message: string | null;
  /** SETRAG's reason, as written by operations ('' when none). */
  reason: string;
  /** What the holder may still choose, exchange first: none once chosen, or for a booking cancelled unpaid. */
  choices: TripCancelledChoice[];
}

/** The kind of booking's notice written when SETRAG cancels a trip. */
export const TRIP_CANCELLED_NOTICE = 'trip-cancelled';

/** Booking's `operatorCancellation`, read defensively: null when absent or not of the expected shape. */
export function operatorCancellation(value: unknown): OperatorCancellation | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.at !== 'string') return null;
  return {
    reason: typeof v.reason === 'string' ? v.reason : '',
    at: v.at,
    options: Array.isArray(v.options) ? v.options.filter((o): o is string => typeof o === 'string') : [],
  };
}

/** The newest trip-cancelled notice's text in `lang`, if booking gave one. */
function noticeText(notices: unknown, lang: Lang): string | null {
  if (!Array.isArray(notices)) return null;
  for (const notice of notices) {
    if (typeof notice !== 'object' || notice === null) continue;
    const n = notice as Record<string, unknown>;
    if (n.kind !== TRIP_CANCELLED_NOTICE || typeof n.message !== 'object' || n.message === null) continue;
    const text = (n.message as Record<string, unknown>)[lang];
    // Booking answers newest first: the first one is the one to show.
    return typeof text === 'string' && text.trim() !== '' ? text : null;
  }
  return null;
}

/** What the booking's page says when SETRAG cancelled its train; null when it did not. */
export function tripCancelled(
  booking: Pick<Booking, 'status' | 'operatorCancellation' | 'notices'>,
  lang: Lang,
): TripCancelledView | null {
  const cancellation = operatorCancellation(booking.operatorCancellation);
  if (!cancellation) return null;
  const offered = booking.status === 'confirmed' ? cancellation.options : [];
  const choices = (['exchange', 'refund'] as const).filter((choice) => offered.includes(choice));
  return { message: noticeText(booking.notices, lang), reason: cancellation.reason, choices };
}

/** Whether SETRAG cancelled the train and the holder may still take `choice` (at any time, even after departure). */
export function offersChoice(
  booking: Pick<Booking, 'status' | 'operatorCancellation'>,
  choice: TripCancelledChoice,
): boolean {
  const cancellation = operatorCancellation(booking.operatorCancellation);
  return booking.status === 'confirmed' && cancellation !== null && cancellation.options.includes(choice);
}

/** The share of the price paid that comes back, in whole percent (100 for a full refund); null when unknown. */
export function refundPercent(booking: Pick<Booking, 'refundAmount' | 'total'>): number | null {
  if (booking.refundAmount == null || !(booking.total > 0)) return null;
  return Math.floor((booking.refundAmount * 100) / booking.total);
}

/** How many bookings of the list "Mes réservations" asks about, at most, to find trains SETRAG cancelled. */
export const LIST_LOOKUPS = 10;

/**
 * The confirmed bookings of the list whose own page is read to know whether SETRAG cancelled their train (booking's
 * list does not say): in the list's order (newest first), at most `LIST_LOOKUPS`; one whose summary says so already is
 * not asked.
 */
export function bookingsToLookUp(bookings: readonly BookingSummary[]): string[] {
  return bookings
    .filter((b) => b.status === 'confirmed' && b.operatorCancellation === undefined)
    .slice(0, LIST_LOOKUPS)
    .map((b) => b.pnr);
}
