// Exchanging a confirmed booking for another train, date or class of the same journey: what may be chosen and
// what the price answer means. Pure: no DOM, no i18n.
import { isProblem } from '../../lib/api';
import type { RequestError } from '../../lib/useRequest';
import type { Booking, ExchangeQuote, TravelClass, TripChoices } from './api/types';
import { offersChoice } from './tripCancelled';

/**
 * Whether the booking may be exchanged by its holder: confirmed, before its train leaves; or at any time when SETRAG
 * cancelled the train and offers the exchange.
 */
export function isExchangeable(booking: Pick<Booking, 'status' | 'from' | 'operatorCancellation'>, now: number): boolean {
  if (booking.status !== 'confirmed') return false;
  if (offersChoice(booking, 'exchange')) return true;
  const departure = Date.parse(booking.from.departure);
  return Number.isNaN(departure) || departure > now;
}

/** The travellers who take a seat (babies on a lap do not). */
export function seatedCount(booking: Pick<Booking, 'passengers'>): number {
  return booking.passengers.filter((passenger) => passenger.seat).length;
}

export interface ExchangeChoice {
  /** `tripId:class`, the value of its radio button. */
  id: string;
  tripId: number;
  trainNumber: number;
  departure: string;
  arrival: string;
  class: TravelClass;
  seatsFree: number;
}

/**
 * The trains and classes of a search the booking can move to: not gone yet (the search of today lists the trains
 * that have left too, which booking refuses with `trip-departed`), enough seats free for its travellers, and not the
 * train and class it is on already. Earliest first, then in the order of the classes inventory gave.
 */
export function exchangeChoices(
  result: TripChoices,
  booking: Pick<Booking, 'trip' | 'class' | 'passengers'>,
  now: number,
): ExchangeChoice[] {
  const needed = seatedCount(booking);
  const choices: ExchangeChoice[] = [];
  const trips = [...result.trips]
    .filter((trip) => !(Date.parse(trip.departure) <= now))
    .sort((a, b) => Date.parse(a.departure) - Date.parse(b.departure));
  for (const trip of trips) {
    for (const offer of trip.classes) {
      if (offer.seatsFree < needed) continue;
      if (trip.id === booking.trip.id && offer.class === booking.class) continue;
      choices.push({
        id: `${trip.id}:${offer.class}`,
        tripId: trip.id,
        trainNumber: trip.trainNumber,
        departure: trip.departure,
        arrival: trip.arrival,
        class: offer.class,
        seatsFree: offer.seatsFree,
      });
    }
  }
  return choices;
}

/** What confirming the exchange will do: ask for the difference, pay some back, or neither. */
export type ExchangeOutcome = { kind: 'pay'; amount: number } | { kind: 'refund'; amount: number } | { kind: 'even' };

export function exchangeOutcome(quote: Pick<ExchangeQuote, 'amountDue' | 'refund'>): ExchangeOutcome {
  if (quote.amountDue > 0) return { kind: 'pay', amount: quote.amountDue };
  if (quote.refund > 0) return { kind: 'refund', amount: quote.refund };
  return { kind: 'even' };
}

export type ExchangeError = 'departed' | 'chosen-departed' | 'state' | 'seats' | 'invalid' | 'network' | 'too-many-requests' | 'unexpected';

/** Which message an exchange's (or its price's) failure shows. */
export function exchangeError(error: RequestError): ExchangeError {
  if (error.kind === 'network' || error.kind === 'timeout') return 'network';
  if (error.kind !== 'problem') return 'unexpected';
  if (isProblem(error, 'trip-departed')) return 'departed';
  if (isProblem(error, 'booking-state')) return 'state';
  if (error.status === 409) return 'seats';
  if (error.status === 422 || error.status === 404) return 'invalid';
  if (error.status === 429) return 'too-many-requests';
  return 'unexpected';
}

/**
 * Which message a failed price of the chosen train shows: `trip-departed` there is about the chosen train when the
 * booking's own train is still to leave (it left while the traveller was choosing).
 */
export function quoteError(error: RequestError, booking: Pick<Booking, 'from'>, now: number): ExchangeError {
  const code = exchangeError(error);
  return code === 'departed' && Date.parse(booking.from.departure) > now ? 'chosen-departed' : code;
}
