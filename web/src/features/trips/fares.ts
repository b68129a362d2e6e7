// Fares from booking's offers: the price of each class in the trip results, and the summary of the booking
// step (each passenger type, and the total). Pure: no DOM, no i18n. Amounts are whole francs CFA (XAF).
import type { FareLine, Offers, PassengerType, TravelClass } from './api/types';

/** A class's price for the searched party: the total, and what one adult pays. */
export interface ClassPrice {
  total: number;
  /** One adult's fare. */
  unitPrice: number;
  /** Travellers the total is for. */
  passengers: number;
}

export type TripPrices = Partial<Record<TravelClass, ClassPrice>>;

/** The prices of each trip of an offer search, per class: `{42: {second: {total: 25000, …}}}`. */
export function pricesByTrip(offers: Offers): Record<number, TripPrices> {
  const out: Record<number, TripPrices> = {};
  for (const trip of offers.trips) {
    const prices: TripPrices = {};
    for (const offer of trip.classes) {
      const adult = offer.price?.perPassenger.find((line) => line.type === 'adult');
      if (!offer.price || !adult) continue;
      const passengers = offer.price.perPassenger.reduce((sum, line) => sum + line.count, 0);
      prices[offer.class] = { total: offer.price.total, unitPrice: adult.unitPrice, passengers };
    }
    out[trip.id] = prices;
  }
  return out;
}

/** What one passenger of each type pays. */
export type UnitPrices = Partial<Record<PassengerType, number>>;

/**
 * The fare of one passenger of each type for a trip's class, from an offer search that asked for one of each
 * (`passengers=1&children=1&infants=1`); null when the trip or the class is not in it, or has no price.
 */
export function unitPrices(offers: Offers, tripId: number, travelClass: TravelClass): UnitPrices | null {
  const price = offers.trips.find((trip) => trip.id === tripId)?.classes.find((c) => c.class === travelClass)?.price;
  if (!price) return null;
  const units: UnitPrices = {};
  for (const line of price.perPassenger) units[line.type] = line.unitPrice;
  return units;
}

/** How many passengers of each type travel. */
export type Party = Record<PassengerType, number>;

export interface FareSummary {
  /** One line per type that travels, adults first. */
  lines: FareLine[];
  total: number;
}

const ORDER: readonly PassengerType[] = ['adult', 'child', 'infant'];

/**
 * The fare lines and total of a party, the way booking counts them (unit price times count, summed); null when
 * the price of a type that travels is unknown.
 */
export function fareSummary(units: UnitPrices, party: Party): FareSummary | null {
  const lines: FareLine[] = [];
  for (const type of ORDER) {
    const count = party[type];
    if (count <= 0) continue;
    const unitPrice = units[type];
    if (unitPrice === undefined) return null;
    lines.push({ type, count, unitPrice, amount: unitPrice * count });
  }
  return { lines, total: lines.reduce((sum, line) => sum + line.amount, 0) };
}
