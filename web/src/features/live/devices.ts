// The device registry as operators use it: the form to register one, the trip to assign it to, the answers read
// defensively and the server's refusals in words. Pure: no DOM, no i18n.
import { problemCode } from '../../lib/api';
import type { RequestError } from '../../lib/useRequest';
import { DEVICE_KINDS, type Device, type DeviceKind, type RegisteredDevice, type TripLocomotive } from './api/types';

type Fields = Record<string, unknown>;

function fields(value: unknown): Fields | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

const wholeId = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export function parseDevice(value: unknown): Device | null {
  const v = fields(value);
  const id = v && wholeId(v.id);
  if (!v || !id) return null;
  return {
    id,
    name: text(v.name) ?? '',
    kind: text(v.kind) ?? '',
    tripId: wholeId(v.tripId),
    assignedAt: text(v.assignedAt),
    createdAt: text(v.createdAt) ?? '',
    locomotive: text(v.locomotive),
    assignmentSource: v.assignmentSource === 'operator' || v.assignmentSource === 'locomotive' ? v.assignmentSource : null,
    assignedBy: text(v.assignedBy),
  };
}

/** Whether tracking assigned the device itself, from the trip planned with its locomotive. */
export function assignedAutomatically(device: Device): boolean {
  return device.tripId !== null && device.assignmentSource === 'locomotive';
}

/** inventory's answer to a planned locomotive; null for another shape. */
export function parseTripLocomotive(value: unknown): TripLocomotive | null {
  const v = fields(value);
  const tripId = v && wholeId(v.tripId);
  if (!v || !tripId) return null;
  return {
    tripId,
    trainNumber: wholeId(v.trainNumber) ?? 0,
    serviceDate: text(v.serviceDate) ?? '',
    locomotive: text(v.locomotive),
  };
}

/**
 * A locomotive number as typed, checked as the servers do: 1 to 16 letters, digits, spaces and dashes, beginning
 * with a letter or a digit; kept in capitals with single spaces (`cc  2201` is `CC 2201`). Empty: no locomotive.
 */
export function parseLocomotive(typed: string): { ok: true; locomotive: string | null } | { ok: false } {
  const number = typed.trim().split(/ +/).join(' ').toUpperCase();
  if (number === '') return { ok: true, locomotive: null };
  if (!/^[A-Z0-9][A-Z0-9 -]{0,15}$/.test(number)) return { ok: false };
  return { ok: true, locomotive: number };
}

/** `{"devices": [...]}`, by id; null for another shape. */
export function parseDevices(value: unknown): Device[] | null {
  const v = fields(value);
  if (!v || !Array.isArray(v.devices)) return null;
  return v.devices
    .map(parseDevice)
    .filter((d): d is Device => d !== null)
    .sort((a, b) => a.id - b.id);
}

/** The 201 answer: a device with its key; null without a key (it could never be shown again). */
export function parseRegisteredDevice(value: unknown): RegisteredDevice | null {
  const device = parseDevice(value);
  const v = fields(value);
  const key = v && text(v.key);
  if (!device || !v || !key) return null;
  return { ...device, key, authorization: text(v.authorization) ?? `Device ${device.id}:${key}` };
}

export interface DeviceForm {
  name: string;
  kind: DeviceKind | '';
}

export type DeviceFormErrors = Partial<Record<'name' | 'kind', 'required' | 'too-long' | 'invalid'>>;

// Control characters, which the server refuses in a name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The server's rules, checked before sending: a name of 1 to 80 printable characters and a known kind. */
export function validateDeviceForm(form: DeviceForm): { ok: true; device: { name: string; kind: DeviceKind } } | { ok: false; errors: DeviceFormErrors } {
  const errors: DeviceFormErrors = {};
  const name = form.name.trim();
  if (name === '') errors.name = 'required';
  else if (Array.from(name).length > 80) errors.name = 'too-long';
  else if (CONTROL.test(name)) errors.name = 'invalid';
  if (form.kind === '') errors.kind = 'required';
  else if (!DEVICE_KINDS.includes(form.kind)) errors.kind = 'invalid';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, device: { name, kind: form.kind as DeviceKind } };
}

/** A trip (run) id as typed, or null: a whole number from 1 to 4 294 967 295, spaces and a leading `#` ignored. */
export function parseTripId(typed: string): number | null {
  const cleaned = typed.replace(/[\s#]/g, '');
  if (!/^[1-9]\d{0,9}$/.test(cleaned)) return null;
  const id = Number(cleaned);
  return id <= 4_294_967_295 ? id : null;
}

export type DeviceError =
  | 'signed-out'
  | 'not-allowed'
  | 'session-expired'
  /** The trip to assign is not one of inventory's. */
  | 'unknown-trip'
  /** The device is gone (or never was). */
  | 'unknown-device'
  /** The trip is cancelled or over: its planned locomotive cannot change. */
  | 'trip-closed'
  /** The server refused a field (the form checks the same rules first, so rarely seen). */
  | 'invalid'
  /** Inventory could not be asked: try again in a moment. */
  | 'unavailable'
  | 'too-many-requests'
  | 'network'
  | 'timeout'
  | 'unexpected';

/** A failed request of the device screens, as a reason to show. */
export function deviceError(error: RequestError): DeviceError {
  if (error.kind === 'network') return 'network';
  if (error.kind === 'timeout') return 'timeout';
  if (error.kind === 'unexpected') return 'unexpected';
  const code = problemCode(error.problem);
  if (code === 'csrf') return 'session-expired';
  if (error.problem.errors?.some((e) => e.field === 'tripId' && e.code === 'unknown-trip')) return 'unknown-trip';
  if (code === 'trip-closed') return 'trip-closed';
  if (error.status === 401) return 'signed-out';
  if (error.status === 403) return 'not-allowed';
  if (error.status === 404) return 'unknown-device';
  if (error.status === 400 || error.status === 422) return 'invalid';
  if (error.status === 429) return 'too-many-requests';
  if (error.status === 503) return 'unavailable';
  return 'unexpected';
}

/** A train a device can be assigned to. */
export interface TripChoice {
  id: number;
  trainNumber: number;
  /** Libreville date the train leaves. */
  serviceDate: string;
  departure: string;
  /** Station codes. */
  from: string;
  to: string;
}

/** The trips of an inventory search (`{"trips": [...]}`) as choices; null for another shape. */
export function parseTripChoices(value: unknown, query: { from: string; to: string; date: string }): TripChoice[] | null {
  const v = fields(value);
  if (!v || !Array.isArray(v.trips)) return null;
  const choices: TripChoice[] = [];
  for (const item of v.trips) {
    const trip = fields(item);
    const id = trip && wholeId(trip.id);
    const trainNumber = trip && wholeId(trip.trainNumber);
    const departure = trip && text(trip.departure);
    if (!trip || !id || !trainNumber || !departure || Number.isNaN(Date.parse(departure))) continue;
    choices.push({
      id,
      trainNumber,
      serviceDate: text(trip.serviceDate) ?? query.date,
      departure,
      from: query.from,
      to: query.to,
    });
  }
  return choices;
}

/** The trains of several searches (both directions, a few days), each once, by departure. */
export function mergeTripChoices(searches: ReadonlyArray<readonly TripChoice[]>): TripChoice[] {
  const byId = new Map<number, TripChoice>();
  for (const search of searches) for (const trip of search) if (!byId.has(trip.id)) byId.set(trip.id, trip);
  return Array.from(byId.values()).sort((a, b) => Date.parse(a.departure) - Date.parse(b.departure) || a.id - b.id);
}

/** What the assignment form chose: a train of the list, or another trip typed by its number. */
export type TripPick = { kind: 'listed'; tripId: string } | { kind: 'typed'; text: string };

/** The trip id to send, or why not: nothing chosen, or a typed number that cannot be a trip's. */
export function pickedTrip(pick: TripPick): { ok: true; tripId: number } | { ok: false; reason: 'required' | 'invalid' } {
  const typed = pick.kind === 'listed' ? pick.tripId : pick.text;
  if (typed.trim() === '') return { ok: false, reason: 'required' };
  const tripId = parseTripId(typed);
  return tripId === null ? { ok: false, reason: 'invalid' } : { ok: true, tripId };
}
