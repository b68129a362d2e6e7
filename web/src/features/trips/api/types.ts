// Shapes of inventory's network, trip search and seat map resources (inventory's OpenAPI document:
// `Station`, `TripSearch`, `Trip`, `SeatMap`). Times are ISO 8601 with Libreville's offset.

export type TravelClass = 'vip' | 'first' | 'second';
export const TRAVEL_CLASSES: readonly TravelClass[] = ['vip', 'first', 'second'];

export type Service = 'express' | 'omnibus';

export interface Station {
  /** Three capital letters: `OWE`. */
  code: string;
  name: string;
  /** Kilometre point (PK) from Owendo. */
  km: number;
  lat: number;
  lon: number;
  type: 'terminus' | 'principale' | 'gare';
  coordQuality: string;
}

export interface Network {
  /** In line order, from Owendo. */
  stations: Station[];
  line: Array<{ lat: number; lon: number }>;
}

export interface StationRef {
  code: string;
  name: string;
}

export interface ClassAvailability {
  class: TravelClass;
  /** Seats free on every leg of the journey. */
  seatsFree: number;
  /** `seatsFree` is at least the number of passengers. */
  available: boolean;
}

export interface Trip {
  /** The id of the dated trip, for its seat map. */
  id: number;
  trainNumber: number;
  service: Service;
  /** The local date the train leaves its first station. */
  serviceDate: string;
  /** `2026-12-01T12:30:00+01:00`: departure from the searched station. */
  departure: string;
  arrival: string;
  durationMinutes: number;
  classes: ClassAvailability[];
}

export interface TripSearchResult {
  from: StationRef;
  to: StationRef;
  date: string;
  passengers: number;
  /** Earliest first. */
  trips: Trip[];
  /** Empty unless `trips` is: then up to three next dates with a train from `from` towards `to`. */
  nextDates: string[];
}

export type SeatPosition = 'window' | 'aisle' | 'middle';

export interface Seat {
  number: number;
  row: number;
  /** From 1 on the left. */
  column: number;
  position: SeatPosition;
  /** Free on every leg from `from` to `to`. */
  free: boolean;
}

export interface Coach {
  /** The coach number passengers see. */
  number: number;
  type: string;
  name: string;
  /** Only `seats` coaches have a class and seats. */
  kind: 'seats' | 'baggage' | 'bar';
  class?: TravelClass;
  airConditioned: boolean;
  /** Seats either side of the gangway: `2+3`. */
  layout?: string;
  seats: Seat[];
}

export interface SeatMap {
  tripId: number;
  trainNumber: number;
  service: Service;
  serviceDate: string;
  status: 'scheduled' | 'cancelled';
  from: StationRef & { departure: string };
  to: StationRef & { arrival: string };
  /** In train order, from the locomotive. */
  coaches: Coach[];
}

// --- Booking's offers and bookings (booking's OpenAPI document: `Offers`, `NewBooking`, `Booking`) ---

/** adult 12 and over; child 4 to 11 (half fare); infant under 4 (free, on an adult's lap, no seat). */
export type PassengerType = 'adult' | 'child' | 'infant';
export const PASSENGER_TYPES: readonly PassengerType[] = ['adult', 'child', 'infant'];

export interface FareLine {
  type: PassengerType;
  count: number;
  /** XAF. */
  unitPrice: number;
  amount: number;
}

export interface Price {
  /** The whole party, XAF. */
  total: number;
  currency: 'XAF';
  perPassenger: FareLine[];
}

export interface OfferClass extends ClassAvailability {
  /** Missing for a class the fare book does not price. */
  price?: Price;
}

export interface OfferTrip extends Omit<Trip, 'classes'> {
  classes: OfferClass[];
}

export interface Offers {
  from: StationRef;
  to: StationRef;
  date: string;
  distanceKm: number;
  passengers: Array<{ type: PassengerType; count: number }>;
  trips: OfferTrip[];
  nextDates: string[];
}

export interface NewBookingPassenger {
  type: PassengerType;
  name: string;
  idNumber?: string;
  seat?: { coach: number; seat: number };
}

export interface NewBooking {
  tripId: number;
  from: string;
  to: string;
  class: TravelClass;
  passengers: NewBookingPassenger[];
  /** A Gabonese mobile number. */
  contactPhone: string;
}

/** The parts of booking's answer this feature uses: the booking page (another feature) shows the rest. */
export interface CreatedBooking {
  /** Six characters, e.g. `W5GWPH`. */
  pnr: string;
  status: string;
  total: number;
}
