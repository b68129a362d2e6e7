// Shapes of the staff screens' resources: booking's tickets (`GET /api/v1/tickets/keys`,
// `POST /api/v1/tickets/verify`, `GET /api/v1/tickets/manifest`), inventory's trips and seat maps, booking's offers
// and bookings, payments' payments. Times are ISO 8601 with Libreville's offset; amounts are whole XAF.

export type TravelClass = 'vip' | 'first' | 'second';
export const TRAVEL_CLASSES: readonly TravelClass[] = ['vip', 'first', 'second'];
export type PassengerType = 'adult' | 'child' | 'infant';

export interface SeatRef {
  coach: number;
  seat: number;
}

export interface StationRef {
  code: string;
  name: string;
}

export interface TicketKeyList {
  keys: Array<{ kid: string; alg: string; publicKey: string; validFrom: string; validUntil?: string | null }>;
}

export interface VerifyRequest {
  qr: string;
  tripId?: number;
  /** For a check made offline and sent later: when it was made (ISO 8601, UTC); at most 72 hours ago. */
  scannedAt?: string;
}

/** Stable codes: `unknown-key`, `bad-signature`, `unknown-ticket`, `superseded`, `cancelled`, `trip-cancelled`,
 * `wrong-train`, `not-yet-valid`, `expired`. */
export type Refusal =
  | 'unknown-key'
  | 'bad-signature'
  | 'unknown-ticket'
  | 'superseded'
  | 'cancelled'
  | 'trip-cancelled'
  | 'wrong-train'
  | 'not-yet-valid'
  | 'expired';

export interface Verification {
  valid: boolean;
  reason: string | null;
  alreadyScanned: boolean;
  firstScannedAt: string | null;
  ticket: {
    id: string;
    pnr: string;
    passengerName: string;
    passengerType: string;
    lapInfant: boolean;
    seat: SeatRef | null;
    class: string;
    from: StationRef;
    to: StationRef;
    tripId: number;
    trainNumber: number;
    serviceDate: string;
    departure: string;
    validUntil: string;
  } | null;
}

export interface ManifestPassenger {
  seat: SeatRef | null;
  name: string;
  idNumber: string | null;
  passengerType: string;
  lapInfant: boolean;
  from: StationRef;
  to: StationRef;
  pnr: string;
  ticketId: string | null;
  scanned: boolean;
  firstScannedAt: string | null;
}

export interface Manifest {
  tripId: number;
  trainNumber: number | null;
  serviceDate: string | null;
  count: number;
  passengers: ManifestPassenger[];
}

export interface Station {
  code: string;
  name: string;
  km: number;
}

export interface Network {
  stations: Station[];
}

export interface ClassOffer {
  class: TravelClass;
  seatsFree: number;
  available: boolean;
  price?: { total: number; currency: 'XAF'; perPassenger: Array<{ type: PassengerType; count: number; unitPrice: number; amount: number }> };
}

export interface TripOffer {
  id: number;
  trainNumber: number;
  service: string;
  serviceDate: string;
  departure: string;
  arrival: string;
  durationMinutes: number;
  classes: ClassOffer[];
}

export interface Offers {
  from: StationRef;
  to: StationRef;
  date: string;
  trips: TripOffer[];
  nextDates: string[];
}

export interface Seat {
  number: number;
  row: number;
  column: number;
  position: 'window' | 'aisle' | 'middle';
  free: boolean;
}

export interface Coach {
  number: number;
  kind: 'seats' | 'baggage' | 'bar';
  class?: TravelClass;
  name: string;
  airConditioned: boolean;
  seats: Seat[];
}

export interface SeatMap {
  tripId: number;
  trainNumber: number;
  status: 'scheduled' | 'cancelled';
  from: StationRef & { departure: string };
  to: StationRef & { arrival: string };
  coaches: Coach[];
}

export interface NewBooking {
  tripId: number;
  from: string;
  to: string;
  class: TravelClass;
  passengers: Array<{ type: PassengerType; name: string; idNumber?: string; seat?: SeatRef }>;
  contactPhone: string;
}

export interface Booking {
  pnr: string;
  status: string;
  total: number;
  currency: 'XAF';
  holdExpiresAt?: string;
  /** awaiting_payment, expired: what a payment must bring (the total, or an exchange's difference). */
  amountDue?: number;
  trip: { id: number; trainNumber: number; serviceDate: string };
  from: { code: string; name: string; departure: string };
  to: { code: string; name: string; arrival: string };
  class: TravelClass;
  passengers: Array<{ type: PassengerType; name: string; idNumber?: string; seat?: SeatRef; fare: number }>;
}

export interface Payment {
  id: string;
  pnr: string;
  method: string;
  amount: number;
  status: 'initiated' | 'pending' | 'succeeded' | 'failed' | 'expired' | 'unknown';
  bookingStatus?: string;
}

export interface Ticket {
  id: string;
  passengerName: string;
  passengerType: PassengerType;
  lapInfant: boolean;
  seat: SeatRef | null;
  class: TravelClass;
  trip: { id: number; trainNumber: number; serviceDate: string };
  from: { code: string; name: string; departure?: string | null };
  to: { code: string; name: string; arrival?: string | null };
  validUntil: string;
  qr: string;
}

export interface TicketList {
  pnr: string;
  status: string;
  tickets: Ticket[];
}
