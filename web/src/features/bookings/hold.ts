// How long the seats of a booking stay held for payment, and what a booking allows. Pure: no DOM, no i18n.
import type { Booking, BookingStatus } from './api/types';
import { offersChoice } from './tripCancelled';

/** Whole seconds left before `expiresAt` (never below 0); 0 for an unreadable instant. */
export function secondsLeft(expiresAt: string, now: number): number {
  const end = Date.parse(expiresAt);
  if (Number.isNaN(end)) return 0;
  return Math.max(0, Math.ceil((end - now) / 1000));
}

/** `14 min 05 s`, `45 s`, `1 h 02 min` (the same in French and English). */
export function formatRemaining(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes > 0) return `${minutes} min ${String(rest).padStart(2, '0')} s`;
  return `${rest} s`;
}

/**
 * Whether the booking waits for its payment: `held` (its seats held, no payment started yet) or `awaiting_payment` (a
 * payment is under way). Both are paid the same way.
 */
export function waitsForPayment(status: string): boolean {
  return status === 'held' || status === 'awaiting_payment';
}

/** Whether the booking may still be paid: it waits for payment and its hold has not run out. */
export function isPayable(booking: Pick<Booking, 'status' | 'holdExpiresAt'>, now: number): boolean {
  return (
    waitsForPayment(booking.status) &&
    booking.holdExpiresAt !== undefined &&
    secondsLeft(booking.holdExpiresAt, now) > 0
  );
}

/**
 * Whether the customer may cancel: before departure, while it waits for payment or once confirmed; or at any time for
 * a full refund when SETRAG cancelled the train.
 */
export function isCancellable(booking: Pick<Booking, 'status' | 'from' | 'operatorCancellation'>, now: number): boolean {
  if (!waitsForPayment(booking.status) && booking.status !== 'confirmed') return false;
  if (offersChoice(booking, 'refund')) return true;
  const departure = Date.parse(booking.from.departure);
  return Number.isNaN(departure) || departure > now;
}

export type StatusTone = 'waiting' | 'success' | 'neutral' | 'error';

/** The tone of a status: waiting for payment, confirmed, ended by the traveller, or ended otherwise. */
export function statusTone(status: BookingStatus): StatusTone {
  switch (status) {
    case 'held':
    case 'awaiting_payment':
      return 'waiting';
    case 'confirmed':
      return 'success';
    case 'cancelled':
    case 'refund_pending':
    case 'exchanged':
    case 'refunded':
      return 'neutral';
    default:
      return 'error';
  }
}

/** Newest first, as booking answers (kept when the server's order is the same). */
export function newestFirst<T extends { createdAt: string }>(bookings: readonly T[]): T[] {
  return [...bookings].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}
