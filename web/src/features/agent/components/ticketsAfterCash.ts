import { sendWithTimeLimit } from '../../../lib/useRequest';
import { getTickets } from '../api/getTickets';
import type { TicketList } from '../api/types';

/**
 * The tickets of a booking just paid in cash, or null when they cannot be read. Booking may confirm a moment after
 * payments answers (409 meanwhile): asked again each second, five times at most.
 */
export async function ticketsAfterCash(pnr: string): Promise<TicketList['tickets'] | null> {
  for (let tries = 0; tries < 5; tries += 1) {
    const result = await sendWithTimeLimit((signal) => getTickets(pnr, signal));
    if (result.ok) return result.data.tickets;
    if (!(result.error.kind === 'problem' && result.error.status === 409)) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return null;
}
