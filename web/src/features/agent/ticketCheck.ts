// A ticket check: what the conductor sees, from booking's answer (online, authoritative) or from the device alone
// (offline: the signature against the stored public keys, the validity dates, and the scans made on this device).
import type { Verification } from './api/types';
import { keyFor, base64UrlDecode, type StoredKeys } from './ticketKeys';
import {
  holderHashInput,
  validFrom,
  type ReadError,
  type TicketClass,
  type TicketPassengerType,
  type TicketPayload,
} from './ticketCode';

/** Why a ticket is refused: booking's stable codes, and `not-a-ticket` for text that is none. */
export type RefusalCode =
  | 'unknown-key'
  | 'bad-signature'
  | 'unknown-ticket'
  | 'superseded'
  | 'cancelled'
  | 'exchanged'
  | 'trip-cancelled'
  | 'wrong-train'
  | 'not-yet-valid'
  | 'expired'
  | 'not-a-ticket'
  | 'other';

const REFUSALS: readonly RefusalCode[] = [
  'unknown-key',
  'bad-signature',
  'unknown-ticket',
  'superseded',
  'cancelled',
  'exchanged',
  'trip-cancelled',
  'wrong-train',
  'not-yet-valid',
  'expired',
];

export function refusalCode(reason: string | null | undefined): RefusalCode {
  return (REFUSALS as readonly string[]).includes(reason ?? '') ? (reason as RefusalCode) : 'other';
}

/** What the check shows about the ticket: everything the QR code says, and more from the server when online. */
export interface CheckedTicket {
  id: string;
  tripId: number;
  serviceDate: string;
  from: { code: string; name?: string };
  to: { code: string; name?: string };
  seat: { coach: number; seat: number } | null;
  travelClass: TicketClass | null;
  passengerType: TicketPassengerType | null;
  /** Epoch ms: from when the ticket is good (18:00 Libreville time the day before its service date). */
  validFrom: number;
  /** ISO instant or epoch ms. */
  validUntil: string | number;
  /** Online only: the QR code names nobody in clear. */
  passengerName?: string;
  pnr?: string;
  trainNumber?: number;
  departure?: string;
}

export interface CheckOutcome {
  valid: boolean;
  reason: RefusalCode | null;
  /** Checked on this device without the server. */
  offline: boolean;
  /** The server could not be told (offline): the scan waits in the queue. */
  queued: boolean;
  alreadyScanned: boolean;
  /** The earlier scan: ISO instant. */
  firstScannedAt: string | null;
  /** The earlier scan is one this device made offline (the server may know others). */
  firstScanOnDevice: boolean;
  /** Shown only when the signature verified: data of a forged code is not shown as if it were true. */
  ticket: CheckedTicket | null;
  /** Epoch ms. */
  checkedAt: number;
  /** The code's text, for the holder check. */
  code: string;
  /** The payload, when read (for the holder check). */
  payload: TicketPayload | null;
}

export function ticketFromPayload(payload: TicketPayload, stationName?: (code: string) => string | undefined): CheckedTicket {
  return {
    id: payload.ticketIdText,
    tripId: payload.tripId,
    serviceDate: payload.serviceDate,
    from: { code: payload.from, name: stationName?.(payload.from) },
    to: { code: payload.to, name: stationName?.(payload.to) },
    seat: payload.seat,
    travelClass: payload.travelClass,
    passengerType: payload.passengerType,
    validFrom: validFrom(payload),
    validUntil: payload.validUntil,
  };
}

function asClass(value: string): TicketClass | null {
  return value === 'vip' || value === 'first' || value === 'second' ? value : null;
}

function asType(value: string): TicketPassengerType | null {
  return value === 'adult' || value === 'child' || value === 'infant' ? value : null;
}

/** Booking's answer as the check shows it; the payload fills in when the server names no ticket. */
export function outcomeFromServer(
  answer: Verification,
  payload: TicketPayload,
  code: string,
  checkedAt: number,
  stationName?: (code: string) => string | undefined,
): CheckOutcome {
  const signatureOk = answer.reason !== 'bad-signature' && answer.reason !== 'unknown-key';
  const t = answer.ticket;
  const ticket: CheckedTicket | null = t
    ? {
        id: t.id,
        tripId: t.tripId,
        serviceDate: t.serviceDate,
        from: t.from,
        to: t.to,
        seat: t.seat ?? null,
        travelClass: asClass(t.class),
        passengerType: asType(t.passengerType),
        validFrom: validFrom(payload),
        validUntil: t.validUntil,
        passengerName: t.passengerName,
        pnr: t.pnr,
        trainNumber: t.trainNumber,
        departure: t.departure,
      }
    : signatureOk
      ? ticketFromPayload(payload, stationName)
      : null;
  return {
    valid: answer.valid,
    reason: answer.valid ? null : refusalCode(answer.reason),
    offline: false,
    queued: false,
    alreadyScanned: answer.alreadyScanned,
    firstScannedAt: answer.firstScannedAt,
    firstScanOnDevice: false,
    ticket,
    checkedAt,
    code,
    payload,
  };
}

/**
 * What the conductor is shown: `board` (valid), `already-scanned` (valid, but checked before: look twice),
 * `later-day` (authentic, signature verified, for a train of a later day: not today, from `ticket.validFrom`), or
 * `refused`. A later day's ticket checked with another train chosen is refused as wrong-train by booking; it is the
 * same authentic ticket for a later day, and the date says more to the conductor than "another train".
 */
export type CheckVerdict = 'board' | 'already-scanned' | 'later-day' | 'refused';

export function checkVerdict(outcome: Pick<CheckOutcome, 'valid' | 'reason' | 'alreadyScanned' | 'ticket' | 'checkedAt'>): CheckVerdict {
  if (outcome.valid) return outcome.alreadyScanned ? 'already-scanned' : 'board';
  const ticket = outcome.ticket;
  if (!ticket) return 'refused';
  if (outcome.reason === 'not-yet-valid') return 'later-day';
  if (outcome.reason === 'wrong-train' && outcome.checkedAt < ticket.validFrom) return 'later-day';
  return 'refused';
}

/** A text that is no ticket at all (refused before any signature check). */
export function unreadableOutcome(code: string, checkedAt: number): CheckOutcome {
  return {
    valid: false,
    reason: 'not-a-ticket',
    offline: false,
    queued: false,
    alreadyScanned: false,
    firstScannedAt: null,
    firstScanOnDevice: false,
    ticket: null,
    checkedAt,
    code,
    payload: null,
  };
}

export type { ReadError };

/** The part of WebCrypto used here (Ed25519 and SHA-256), so tests can hand Node's. */
export type Subtle = Pick<SubtleCrypto, 'importKey' | 'verify' | 'digest'>;

/** Whether the payload's signature is the key's (WebCrypto Ed25519); false for a key that cannot be read. */
export async function signatureMatches(subtle: Subtle, publicKey: string, payload: TicketPayload): Promise<boolean> {
  const raw = base64UrlDecode(publicKey);
  if (!raw || raw.length !== 32) return false;
  try {
    const key = await subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    return await subtle.verify({ name: 'Ed25519' }, key, payload.signature, payload.signed);
  } catch {
    return false;
  }
}

export interface OfflineContext {
  keys: StoredKeys | null;
  now: number;
  /** The trip the conductor is on, when chosen. */
  tripId?: number | null;
  /** The first valid check of this ticket made on this device, if any (ISO instant). */
  seenAt?: string | null;
  subtle: Subtle;
  stationName?: (code: string) => string | undefined;
}

/**
 * The check made with no server, in booking's order: the key, the signature, the trip, the dates. Cancellations
 * and scans by other devices are not known here; the scan is sent to booking once the network is back.
 */
export async function checkOffline(payload: TicketPayload, code: string, context: OfflineContext): Promise<CheckOutcome> {
  const base = {
    offline: true,
    queued: false,
    alreadyScanned: false,
    firstScannedAt: null,
    firstScanOnDevice: false,
    checkedAt: context.now,
    code,
    payload,
  };
  const key = keyFor(context.keys, payload.kid, context.now);
  if (!key) return { ...base, valid: false, reason: 'unknown-key', ticket: null };
  if (!(await signatureMatches(context.subtle, key.publicKey, payload))) {
    return { ...base, valid: false, reason: 'bad-signature', ticket: null };
  }
  const ticket = ticketFromPayload(payload, context.stationName);
  let reason: RefusalCode | null = null;
  if (context.tripId != null && context.tripId !== payload.tripId) reason = 'wrong-train';
  else if (context.now < validFrom(payload)) reason = 'not-yet-valid';
  else if (context.now > payload.validUntil) reason = 'expired';
  const seen = reason === null && context.seenAt ? context.seenAt : null;
  return {
    ...base,
    valid: reason === null,
    reason,
    ticket,
    alreadyScanned: seen !== null,
    firstScannedAt: seen,
    firstScanOnDevice: seen !== null,
  };
}

/** Whether the name and ID number shown on an ID document are the ticket holder's (the hash in the code). */
export async function holderMatches(subtle: Subtle, payload: TicketPayload, name: string, idNumber: string): Promise<boolean> {
  const digest = new Uint8Array(await subtle.digest('SHA-256', holderHashInput(payload.ticketId, name, idNumber)));
  return payload.holderHash.every((byte, i) => digest[i] === byte);
}
