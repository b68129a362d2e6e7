// Shapes of booking's and payments' resources (booking's OpenAPI document: `Booking`, `BookingList`; payments':
// the payment). Times are ISO 8601 with Libreville's offset; amounts are whole francs CFA (XAF).

/**
 * `held`: just made, its seats held until `holdExpiresAt`, no payment started yet; `awaiting_payment`: a payment is
 * under way (both may be paid); `refund_pending`/`refund_due`: money is owed back; `refunded`: it was paid back in
 * full (the end).
 */
export type BookingStatus =
  | 'held'
  | 'awaiting_payment'
  | 'confirmed'
  | 'cancelled'
  | 'refund_pending'
  | 'refund_due'
  | 'expired'
  | 'exchanged'
  | 'refunded';
export const BOOKING_STATUSES: readonly BookingStatus[] = [
  'held',
  'awaiting_payment',
  'confirmed',
  'cancelled',
  'refund_pending',
  'refund_due',
  'expired',
  'exchanged',
  'refunded',
];

export type TravelClass = 'vip' | 'first' | 'second';
export type PassengerType = 'adult' | 'child' | 'infant';

export interface BookingTrip {
  id: number;
  trainNumber: number;
  service: string;
  /** The local date the train leaves its first station. */
  serviceDate: string;
}

export interface BookedPassenger {
  type: PassengerType;
  name: string;
  idNumber?: string;
  /** None for a baby on a lap. */
  seat?: { coach: number; seat: number };
  /** XAF. */
  fare: number;
}

export interface Booking {
  /** Six characters without look-alikes: `W5GWPH`. */
  pnr: string;
  status: BookingStatus;
  trip: BookingTrip;
  from: { code: string; name: string; departure: string };
  to: { code: string; name: string; arrival: string };
  class: TravelClass;
  distanceKm: number;
  passengers: BookedPassenger[];
  /** E.164. */
  contactPhone: string;
  total: number;
  currency: 'XAF';
  /** held, awaiting_payment: pay before this; expired: when the seats were let go. */
  holdExpiresAt?: string;
  /**
   * What is owed back (refund_pending, refund_due), or was paid back (refunded; exchanged: what the exchange paid
   * back); 0 when cancelled unpaid.
   */
  refundAmount?: number;
  /** What was paid back so far (set with `refundAmount`): equal to it once `refunded`. */
  refundedAmount?: number;
  /** held, awaiting_payment, expired: what a payment must bring (the total, or an exchange's difference). */
  amountDue?: number;
  /** Made by exchanging another booking: how it was priced. */
  exchange?: ExchangeTerms;
  /** exchanged: the booking that replaced this one. */
  exchangedTo?: string;
  createdAt: string;
  paidAt?: string;
  cancelledAt?: string;
  /** SETRAG cancelled the trip: its holder may exchange or be refunded without fee. */
  operatorCancellation?: OperatorCancellation;
  /** The latest things the holder was told, newest first. */
  notices?: BookingNotice[];
}

/** SETRAG's cancellation of the booking's trip, as booking recorded it. */
export interface OperatorCancellation {
  reason: string;
  /** When SETRAG cancelled the trip. */
  at: string;
  /** What the holder may choose (`refund`, `exchange`): confirmed bookings only, none once settled. */
  options: string[];
}

/** A message to the booking's holder, in French and English; `kind` is a stable code (`trip-cancelled`). */
export interface BookingNotice {
  kind: string;
  message: { fr: string; en: string };
  at: string;
}

/** How a booking made by an exchange was priced: total − credit + fee is amountDue, or refund when negative. */
export interface ExchangeTerms {
  /** The PNR exchanged. */
  of: string;
  /** What the old booking was worth. */
  credit: number;
  feePercent: number;
  fee: number;
  amountDue: number;
  refund: number;
}

/** `GET /api/v1/bookings/{pnr}/exchange?tripId=&class=`: what moving the booking there would cost. */
export interface ExchangeQuote {
  pnr: string;
  trip: BookingTrip;
  from: { code: string; name: string; departure: string };
  to: { code: string; name: string; arrival: string };
  class: TravelClass;
  /** The new fare of the party. */
  total: number;
  currency: 'XAF';
  credit: number;
  feePercent: number;
  fee: number;
  /** total − credit + fee. */
  difference: number;
  amountDue: number;
  refund: number;
}

export interface NewExchange {
  tripId: number;
  class: TravelClass;
}

/** The parts of inventory's trip search (`GET /api/v1/trips`) an exchange uses. */
export interface TripChoice {
  id: number;
  trainNumber: number;
  service: string;
  serviceDate: string;
  departure: string;
  arrival: string;
  classes: Array<{ class: TravelClass; seatsFree: number; available: boolean }>;
}

export interface TripChoices {
  date: string;
  trips: TripChoice[];
  /** Empty unless `trips` is: the next dates with a train. */
  nextDates: string[];
}

export interface BookingSummary {
  pnr: string;
  status: BookingStatus;
  trip: BookingTrip;
  from: { code: string; name: string; departure: string };
  to: { code: string; name: string; arrival: string };
  class: TravelClass;
  passengerCount: number;
  total: number;
  currency: 'XAF';
  holdExpiresAt?: string;
  createdAt: string;
  /** Not in booking's list today: each confirmed booking's own page is read to know (see `tripCancelled.ts`). */
  operatorCancellation?: OperatorCancellation;
}

export interface BookingList {
  /** Newest first. */
  bookings: BookingSummary[];
}

export type PaymentMethod = 'airtel_money' | 'moov_money' | 'card';
export const PAYMENT_METHODS: readonly PaymentMethod[] = ['airtel_money', 'moov_money', 'card'];

/** initiated, pending (waiting for the payer), unknown (being checked with the provider): still open. */
export type PaymentStatus = 'initiated' | 'pending' | 'succeeded' | 'failed' | 'expired' | 'unknown';

export interface Payment {
  /** `pay_…`. */
  id: string;
  pnr: string;
  method: PaymentMethod | 'cash';
  amount: number;
  currency: 'XAF';
  status: PaymentStatus;
  /** Card payments: the aggregator's page to send the browser to. */
  paymentUrl?: string;
  /** Money paid back from this payment (`manual`: owed in cash at a counter). */
  refunds?: PaymentRefund[];
  /** The booking's status once booking has been told of a successful payment. */
  bookingStatus?: BookingStatus;
  createdAt: string;
}

export interface PaymentRefund {
  reference: string;
  /** pending, succeeded, failed, unknown, or manual (to collect in cash at a SETRAG counter). */
  status: string;
  amount: number;
  reason?: string;
  paidAt?: string | null;
}

export interface NewPayment {
  pnr: string;
  method: PaymentMethod;
  /** The payer's Gabonese mobile number (mobile money: the wallet asked for the PIN). */
  msisdn: string;
}

/** One traveller's e-ticket (`GET /api/v1/bookings/{pnr}/tickets`). */
export interface Ticket {
  id: string;
  passengerName: string;
  passengerType: PassengerType;
  /** A baby on an adult's lap: no seat. */
  lapInfant: boolean;
  seat: { coach: number; seat: number } | null;
  class: TravelClass;
  trip: BookingTrip;
  from: { code: string; name: string; departure?: string | null };
  to: { code: string; name: string; arrival?: string | null };
  validUntil: string;
  /** The signed ticket in base45 (QR alphanumeric mode). */
  qr: string;
}

export interface TicketList {
  pnr: string;
  status: BookingStatus;
  tickets: Ticket[];
}
