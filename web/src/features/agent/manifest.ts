// A trip's manifest as the staff read it: passengers grouped by coach in seat order (booking's order, a baby on a
// lap right after the first seated traveller of its booking), and how many were checked. Pure.
import type { ManifestPassenger, StationRef, TripOffer } from './api/types';

export interface CoachGroup {
  /** null: passengers without a coach (a lap infant whose booking has no seated traveller listed before it). */
  coach: number | null;
  passengers: ManifestPassenger[];
}

export function byCoach(passengers: readonly ManifestPassenger[]): CoachGroup[] {
  const groups: CoachGroup[] = [];
  let current: CoachGroup | null = null;
  for (const passenger of passengers) {
    const coach: number | null = passenger.seat ? passenger.seat.coach : current ? current.coach : null;
    if (!current || current.coach !== coach) {
      current = { coach, passengers: [] };
      groups.push(current);
    }
    current.passengers.push(passenger);
  }
  return groups;
}

export function scannedCount(passengers: readonly ManifestPassenger[]): number {
  return passengers.filter((p) => p.scanned).length;
}

export interface TrainOfDay {
  trip: TripOffer;
  from: StationRef;
  to: StationRef;
}

/** The trains of a date in both directions (one search per direction), by departure, each once. */
export function trainsOfDay(
  searches: ReadonlyArray<{ from: StationRef; to: StationRef; trips: readonly TripOffer[] }>,
): TrainOfDay[] {
  const seen = new Set<number>();
  const all: TrainOfDay[] = [];
  for (const search of searches) {
    for (const trip of search.trips) {
      if (seen.has(trip.id)) continue;
      seen.add(trip.id);
      all.push({ trip, from: search.from, to: search.to });
    }
  }
  return all.sort((a, b) => Date.parse(a.trip.departure) - Date.parse(b.trip.departure));
}

/** `?date=2026-11-24&tripId=3`. */
export function manifestQuery(query: string): { date: string | null; tripId: number | null } {
  const params = new URLSearchParams(query);
  const date = params.get('date');
  const tripId = params.get('tripId');
  return {
    date: date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : null,
    tripId: tripId && /^[1-9]\d{0,9}$/.test(tripId) ? Number(tripId) : null,
  };
}
