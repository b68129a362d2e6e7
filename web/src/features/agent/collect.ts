// Taking the cash for a booking made elsewhere (the traveller chose "pay at the counter"): the reference typed by
// the agent, what the booking allows, and the server's refusals. Pure: no DOM, no i18n.
import { problemCode } from '../../lib/api';
import type { RequestError } from '../../lib/useRequest';
import type { Booking } from './api/types';

/** Booking's references: six characters without look-alikes (no 0, 1, I, L, O). */
const PNR = /^[2-9A-HJKMNP-Z]{6}$/;

/** The reference as typed (any case, spaces, a leading `#`), or null when it cannot be one. */
export function cleanPnr(text: string): string | null {
  const pnr = text.replace(/[\s#-]/g, '').toUpperCase();
  return PNR.test(pnr) ? pnr : null;
}

export type CollectStatus =
  /** Waiting for payment within its hold (`held`, or `awaiting_payment` of another attempt): the cash may be taken. */
  | 'due'
  /** Paid already (confirmed): nothing to take. */
  | 'paid'
  /** The hold ran out (whether or not booking has marked it yet): the seats were let go. */
  | 'expired'
  /** Cancelled, refund owed or refunded, exchanged: nothing to take. */
  | 'closed';

export function collectStatus(booking: Pick<Booking, 'status' | 'holdExpiresAt'>, now: number): CollectStatus {
  switch (booking.status) {
    case 'held':
    case 'awaiting_payment': {
      const end = booking.holdExpiresAt ? Date.parse(booking.holdExpiresAt) : NaN;
      return Number.isNaN(end) || end > now ? 'due' : 'expired';
    }
    case 'confirmed':
      return 'paid';
    case 'expired':
      return 'expired';
    default:
      return 'closed';
  }
}

/** What the counter takes: an exchange's booking is paid its difference, not its total. */
export function amountToCollect(booking: Pick<Booking, 'total' | 'amountDue'>): number {
  return booking.amountDue ?? booking.total;
}

export type CollectError =
  | 'unknown-pnr'
  /** `booking-not-payable`: paid meanwhile, cancelled or expired; the booking is asked again to say which. */
  | 'not-payable'
  | 'in-progress'
  | 'not-allowed'
  | 'signed-out'
  | 'session-expired'
  | 'too-many-requests'
  | 'network'
  | 'timeout'
  | 'unexpected';

/** A failed `GET /api/v1/bookings/{pnr}` or `POST /api/v1/payments` as a message for the agent. */
export function collectError(error: RequestError): CollectError {
  if (error.kind === 'network') return 'network';
  if (error.kind === 'timeout') return 'timeout';
  if (error.kind === 'unexpected') return 'unexpected';
  const code = problemCode(error.problem);
  if (code === 'booking-not-payable') return 'not-payable';
  if (code === 'payment-in-progress') return 'in-progress';
  if (code === 'csrf') return 'session-expired';
  if (error.status === 404) return 'unknown-pnr';
  if (error.status === 401) return 'signed-out';
  if (error.status === 403) return 'not-allowed';
  if (error.status === 429) return 'too-many-requests';
  return 'unexpected';
}
