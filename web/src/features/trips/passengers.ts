// The booking step's form: one traveller per chosen seat (adult or child, with an optional baby on an adult's
// lap), the contact phone, the same rules as booking's, the request it becomes, the server's errors placed next
// to their fields, and what is kept while the traveller signs in. Pure: no DOM, no i18n.
import { problemCode, type ApiError } from '../../lib/api';
import { normalizeGabonPhone } from '../../lib/format';
import type { NewBooking, NewBookingPassenger, TravelClass } from './api/types';
import type { Party } from './fares';
import type { SeatRef } from './seats';

/** Travellers with a seat. Babies (under 4) travel on an adult's lap: see `infant`. */
export type SeatedType = 'adult' | 'child';

export interface PassengerDraft {
  type: SeatedType;
  /** As on the ID document. */
  name: string;
  idNumber: string;
  /** A baby on this adult's lap (adults only). */
  infant: boolean;
  infantName: string;
}

export interface BookingForm {
  /** One per chosen seat, in the order of the seats. */
  passengers: PassengerDraft[];
  contactPhone: string;
}

export const LIMITS = { nameMax: 80, idNumberMin: 4, idNumberMax: 30 } as const;

export function emptyPassenger(): PassengerDraft {
  return { type: 'adult', name: '', idNumber: '', infant: false, infantName: '' };
}

export function emptyForm(seats: number, contactPhone = ''): BookingForm {
  return { passengers: Array.from({ length: seats }, emptyPassenger), contactPhone };
}

/** A baby goes only on an adult's lap: a traveller who becomes a child leaves the baby off. */
export function hasInfant(passenger: PassengerDraft): boolean {
  return passenger.type === 'adult' && passenger.infant;
}

export function partyOf(form: BookingForm): Party {
  const party: Party = { adult: 0, child: 0, infant: 0 };
  for (const passenger of form.passengers) {
    party[passenger.type] += 1;
    if (hasInfant(passenger)) party.infant += 1;
  }
  return party;
}

// --- Rules ---

export type PassengerField = 'type' | 'name' | 'idNumber' | 'infantName';

/** `passengers.0.name`, `passengers.1.infantName`, `contactPhone`: the form's own field names. */
export type BookingField = `passengers.${number}.${PassengerField}` | 'contactPhone';

export function passengerField(index: number, field: PassengerField): BookingField {
  return `passengers.${index}.${field}`;
}

/** The server's field codes, and `invalid` for one we do not know. */
export type BookingFieldCode = 'required' | 'too-long' | 'invalid' | 'invalid-phone';

export type BookingFieldErrors = Partial<Record<BookingField, BookingFieldCode>>;

/** The fields in the order of the form, to focus the first one in error. */
export function fieldOrder(form: BookingForm): BookingField[] {
  const fields: BookingField[] = [];
  form.passengers.forEach((passenger, index) => {
    fields.push(passengerField(index, 'type'), passengerField(index, 'name'), passengerField(index, 'idNumber'));
    if (hasInfant(passenger)) fields.push(passengerField(index, 'infantName'));
  });
  fields.push('contactPhone');
  return fields;
}

/** Length in Unicode code points, so an accented letter counts once. */
const length = (text: string) => Array.from(text).length;

// Control characters (U+0000–U+001F, U+007F–U+009F) are refused in names, as booking does.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function nameCode(text: string): BookingFieldCode | null {
  const name = text.trim();
  if (name === '') return 'required';
  if (length(name) > LIMITS.nameMax) return 'too-long';
  if (CONTROL.test(name)) return 'invalid';
  return null;
}

/** An ID number as booking stores it: capitals, without the spaces a traveller may type (`ga 123 456` -> `GA123456`). */
export function normalizeIdNumber(text: string): string {
  return text.replace(/\s+/g, '').toUpperCase();
}

const ID_NUMBER = new RegExp(`^[A-Z0-9-]{${LIMITS.idNumberMin},${LIMITS.idNumberMax}}$`);

/** Checks the form as booking would, so most mistakes are shown before a round trip. */
export function validateBookingForm(form: BookingForm): BookingFieldErrors {
  const errors: BookingFieldErrors = {};
  form.passengers.forEach((passenger, index) => {
    const name = nameCode(passenger.name);
    if (name) errors[passengerField(index, 'name')] = name;
    const idNumber = normalizeIdNumber(passenger.idNumber);
    if (idNumber === '') errors[passengerField(index, 'idNumber')] = 'required';
    else if (!ID_NUMBER.test(idNumber)) errors[passengerField(index, 'idNumber')] = 'invalid';
    if (hasInfant(passenger)) {
      const infantName = nameCode(passenger.infantName);
      if (infantName) errors[passengerField(index, 'infantName')] = infantName;
    }
  });
  if (form.contactPhone.trim() === '') errors.contactPhone = 'required';
  else if (normalizeGabonPhone(form.contactPhone) === null) errors.contactPhone = 'invalid-phone';
  return errors;
}

// --- The request ---

/** Which traveller of the form each passenger of the request is (a baby follows its adult). */
export interface SentPassenger {
  index: number;
  infant: boolean;
}

export interface BookingTarget {
  tripId: number;
  from: string;
  to: string;
  travelClass: TravelClass;
  seats: readonly SeatRef[];
}

/** The body of `POST /api/v1/bookings` for a valid form, and who is who in it. */
export function toNewBooking(form: BookingForm, target: BookingTarget): { booking: NewBooking; sent: SentPassenger[] } {
  const passengers: NewBookingPassenger[] = [];
  const sent: SentPassenger[] = [];
  form.passengers.forEach((passenger, index) => {
    const seat = target.seats[index];
    passengers.push({
      type: passenger.type,
      name: passenger.name.trim(),
      idNumber: normalizeIdNumber(passenger.idNumber),
      ...(seat ? { seat: { coach: seat.coach, seat: seat.seat } } : {}),
    });
    sent.push({ index, infant: false });
    if (hasInfant(passenger)) {
      passengers.push({ type: 'infant', name: passenger.infantName.trim() });
      sent.push({ index, infant: true });
    }
  });
  return {
    booking: {
      tripId: target.tripId,
      from: target.from,
      to: target.to,
      class: target.travelClass,
      passengers,
      contactPhone: normalizeGabonPhone(form.contactPhone) ?? form.contactPhone.trim(),
    },
    sent,
  };
}

// --- The server's answer ---

/** Errors about the booking as a whole rather than one field. */
export type BookingFormError =
  /** Fields the form cannot place, or a rule about the whole party. */
  | 'invalid'
  /** Someone took one of the seats meanwhile: choose again. */
  | 'seats-taken'
  | 'not-enough-seats'
  /** The train is no longer sold (left, cancelled, too late). */
  | 'not-on-sale'
  | 'not-found'
  /** The same request is still being handled: wait, then try again. */
  | 'in-progress'
  /** Not signed in (any more): sign in, then book. */
  | 'signed-out'
  /** This account may not book. */
  | 'forbidden'
  | 'session-expired'
  | 'network'
  | 'timeout'
  | 'too-many-requests'
  | 'unexpected';

const FIELD_CODES: readonly BookingFieldCode[] = ['required', 'too-long', 'invalid', 'invalid-phone'];

/** `passengers.0.name` (booking's form) or `passengers[0].name`. */
const PASSENGER_PATH = /^passengers(?:\.(\d+)|\[(\d+)\])\.(\w+)$/;

function placeField(field: string, sent: readonly SentPassenger[]): BookingField | null {
  if (field === 'contactPhone') return 'contactPhone';
  const match = PASSENGER_PATH.exec(field);
  if (!match) return null;
  const who = sent[Number(match[1] ?? match[2])];
  if (!who) return null;
  const name = match[3];
  if (who.infant) return name === 'name' ? passengerField(who.index, 'infantName') : null;
  if (name === 'name' || name === 'idNumber' || name === 'type') return passengerField(who.index, name);
  return null;
}

/** Turns a failed `POST /api/v1/bookings` into messages next to the fields, or about the whole booking. */
export function bookingErrors(
  error: ApiError | { kind: 'timeout' },
  sent: readonly SentPassenger[],
): { fields: BookingFieldErrors; form?: BookingFormError } {
  if (error.kind === 'network') return { fields: {}, form: 'network' };
  if (error.kind === 'timeout') return { fields: {}, form: 'timeout' };
  if (error.kind === 'unexpected') return { fields: {}, form: 'unexpected' };
  const code = problemCode(error.problem);
  switch (code) {
    case 'seats-taken':
      return { fields: {}, form: 'seats-taken' };
    case 'not-enough-seats':
      return { fields: {}, form: 'not-enough-seats' };
    case 'trip-not-on-sale':
    case 'trip-departed':
      return { fields: {}, form: 'not-on-sale' };
    case 'idempotency-key-in-use':
      return { fields: {}, form: 'in-progress' };
    case 'csrf':
      return { fields: {}, form: 'session-expired' };
  }
  if (error.status === 401) return { fields: {}, form: 'signed-out' };
  if (error.status === 403) return { fields: {}, form: 'forbidden' };
  if (error.status === 404) return { fields: {}, form: 'not-found' };
  if (error.status === 429) return { fields: {}, form: 'too-many-requests' };
  if (code === 'validation' || error.status === 400 || error.status === 422) {
    const fields: BookingFieldErrors = {};
    let unplaced = false;
    for (const item of error.problem.errors ?? []) {
      const field = placeField(item.field, sent);
      if (!field) {
        unplaced = true;
        continue;
      }
      const fieldCode = (FIELD_CODES as readonly string[]).includes(item.code) ? (item.code as BookingFieldCode) : 'invalid';
      fields[field] ??= fieldCode;
    }
    return Object.keys(fields).length > 0 && !unplaced ? { fields } : { fields, form: 'invalid' };
  }
  return { fields: {}, form: 'unexpected' };
}

// --- Kept while signing in, or choosing other seats ---

/** sessionStorage: this tab only, gone when it closes; removed once the booking is made. */
export const DRAFT_STORAGE_KEY = 'setrag.booking.draft';

/** The journey a draft belongs to: the trip, the stations and the class (not the seats, which may change). */
export function draftOwner(tripId: number, from: string, to: string, travelClass: TravelClass | null): string {
  return `${tripId}/${from}/${to}/${travelClass ?? ''}`;
}

interface StoredDraft {
  owner: string;
  form: BookingForm;
  /** The traveller left to sign in and will come back to book. */
  signingIn?: boolean;
}

export function draftToText(owner: string, form: BookingForm, signingIn = false): string {
  const stored: StoredDraft = { owner, form, ...(signingIn ? { signingIn } : {}) };
  return JSON.stringify(stored);
}

const isString = (value: unknown): value is string => typeof value === 'string';

function asPassenger(value: unknown): PassengerDraft | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.type !== 'adult' && v.type !== 'child') return null;
  if (!isString(v.name) || !isString(v.idNumber) || typeof v.infant !== 'boolean' || !isString(v.infantName)) return null;
  return { type: v.type, name: v.name, idNumber: v.idNumber, infant: v.infant, infantName: v.infantName };
}

/**
 * The form kept for this journey, with one traveller per seat (more seats: empty travellers are added; fewer:
 * the last ones go), or null when none was kept for it.
 */
export function draftFromText(
  text: string | null,
  owner: string,
  seats: number,
): { form: BookingForm; signingIn: boolean } | null {
  if (!text) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const stored = value as Partial<StoredDraft> & { form?: { passengers?: unknown; contactPhone?: unknown } };
  if (stored.owner !== owner || !stored.form || !Array.isArray(stored.form.passengers)) return null;
  if (!isString(stored.form.contactPhone)) return null;
  const passengers: PassengerDraft[] = [];
  for (const item of stored.form.passengers.slice(0, seats)) {
    const passenger = asPassenger(item);
    if (!passenger) return null;
    passengers.push(passenger);
  }
  while (passengers.length < seats) passengers.push(emptyPassenger());
  return { form: { passengers, contactPhone: stored.form.contactPhone }, signingIn: stored.signingIn === true };
}
