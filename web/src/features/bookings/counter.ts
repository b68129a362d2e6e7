// Paying in cash at a SETRAG counter: what the traveller shows the agent (the reference, the amount, the time the
// seats are held until). Nothing is asked of the server: the agent takes the cash against the reference. Pure.
import { isPayable } from './hold';
import type { Booking } from './api/types';

export interface CounterSlip {
  /** The booking's reference, given to the agent. */
  pnr: string;
  /** XAF: an exchange's booking is paid its difference, not its total. */
  amount: number;
  /** The hold's end (ISO 8601): after it the seats are let go and the counter can no longer take the cash. */
  deadline: string;
}

/** What to pay at the counter and before when; null once the booking cannot be paid any more. */
export function counterSlip(
  booking: Pick<Booking, 'pnr' | 'status' | 'holdExpiresAt' | 'total' | 'amountDue'>,
  now: number,
): CounterSlip | null {
  if (!isPayable(booking, now) || booking.holdExpiresAt === undefined) return null;
  return { pnr: booking.pnr, amount: booking.amountDue ?? booking.total, deadline: booking.holdExpiresAt };
}
