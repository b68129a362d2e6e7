// What a booking's page says of its train while it runs: its delay and when it is expected at the traveller's
// station. Pure: no DOM, no i18n.
import { delayOf, minutesBetween, type Delay, type TrainRun } from '../../lib/trains';
import type { Booking } from './api/types';
import { waitsForPayment } from './hold';

export type Boarding =
  /** The train is on its way to the station: expected then (live estimate, else the timetable). */
  | { kind: 'expected'; station: string; time: string | null }
  /** The train is at the station now. */
  | { kind: 'at'; station: string; time: string | null }
  /** The train has left the station. */
  | { kind: 'left'; station: string; time: string | null }
  /** The station is not among the run's stops (or they are not known). */
  | { kind: 'unknown' };

export interface BookingTrainStatus {
  trainNumber: number;
  delay: Delay;
  boarding: Boarding;
}

/** From this long before the departure, the booking's page asks tracking about the train. */
export const FOLLOW_BEFORE_MS = 24 * 3_600_000;
/** Until this long after the timetable's arrival (a train may be hours late). */
export const FOLLOW_AFTER_MS = 12 * 3_600_000;

/**
 * Whether the booking's page looks at its train: for a journey still to be made (confirmed, or waiting for its
 * payment), from the day before the departure until well after the arrival; never for a trip days away, which
 * tracking knows nothing of yet.
 */
export function followsTrain(
  booking: Pick<Booking, 'status'> & { from: { departure: string }; to: { arrival: string } },
  now: number,
): boolean {
  if (booking.status !== 'confirmed' && !waitsForPayment(booking.status)) return false;
  const departure = Date.parse(booking.from.departure);
  const arrival = Date.parse(booking.to.arrival);
  if (Number.isNaN(departure) || Number.isNaN(arrival)) return false;
  return now >= departure - FOLLOW_BEFORE_MS && now <= arrival + FOLLOW_AFTER_MS;
}

/**
 * The live status of the booked train at the traveller's boarding station (`from`), or null when the run has no
 * live data (no position yet) or was cancelled (the booking's own status says that). The delay is the one at
 * the boarding station when it can be told (its expected time against its timetable), else the train's.
 */
export function bookingTrainStatus(run: TrainRun, from: string): BookingTrainStatus | null {
  if (!run.latest || run.status === 'cancelled') return null;
  const stop = run.stops.find((s) => s.station === from);
  if (!stop) return { trainNumber: run.trainNumber, delay: delayOf(run.delayMinutes), boarding: { kind: 'unknown' } };
  const station = stop.name;
  let boarding: Boarding;
  let atStation: number | null = null;
  switch (stop.state) {
    case 'upcoming': {
      const expected = stop.eta ?? stop.etd;
      const scheduled = stop.eta ? stop.scheduledArrival : stop.scheduledDeparture;
      atStation = minutesBetween(scheduled ?? stop.scheduledArrival ?? stop.scheduledDeparture, expected);
      boarding = { kind: 'expected', station, time: expected ?? stop.scheduledArrival ?? stop.scheduledDeparture };
      break;
    }
    case 'at':
      atStation = minutesBetween(stop.scheduledDeparture, stop.etd);
      boarding = { kind: 'at', station, time: stop.etd ?? stop.scheduledDeparture };
      break;
    case 'departed':
      atStation = minutesBetween(stop.scheduledDeparture, stop.actualDeparture);
      boarding = { kind: 'left', station, time: stop.actualDeparture };
      break;
  }
  return { trainNumber: run.trainNumber, delay: delayOf(atStation ?? run.delayMinutes), boarding };
}
