// What a ticket's QR code says, read without the server: base45 text (RFC 9285) holding a 103-byte record signed
// with Ed25519 (booking's `TicketPayload`, version 1). Pure: no DOM, no crypto (see `ticketCheck.ts`).
//
// Layout (integers unsigned, big-endian): version (1) · key id (2) · ticket id (8) · trip id (4) · service date in
// days since 2020-01-01 (2) · boarding station (3, ASCII) · alighting station (3) · coach (1) · seat (1) · class (1)
// · passenger type (1) · holder hash (8) · valid until in minutes since 1970 (4) · signature of bytes 0-38 (64).

export const BASE45_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

const BASE45_VALUES: Map<string, number> = new Map(Array.from(BASE45_ALPHABET, (c, i) => [c, i] as [string, number]));

/** Base45 text as bytes: every 3 characters `c d e` are `c + 45 d + 45² e` (two bytes), a final pair one byte. */
export function decodeBase45(text: string): Uint8Array | null {
  if (text.length % 3 === 1) return null;
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    const group = Math.min(3, text.length - i);
    let n = 0;
    let weight = 1;
    for (let k = 0; k < group; k += 1) {
      const value = BASE45_VALUES.get(text[i + k]);
      if (value === undefined) return null;
      n += value * weight;
      weight *= 45;
    }
    if (group === 3) {
      if (n > 0xffff) return null;
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      if (n > 0xff) return null;
      out[o++] = n;
    }
  }
  return out;
}

/** Bytes as base45 text (the inverse of `decodeBase45`). */
export function encodeBase45(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 1 < bytes.length; i += 2) {
    let n = (bytes[i] << 8) | bytes[i + 1];
    for (let k = 0; k < 3; k += 1) {
      out += BASE45_ALPHABET[n % 45];
      n = Math.floor(n / 45);
    }
  }
  if (i < bytes.length) out += BASE45_ALPHABET[bytes[i] % 45] + BASE45_ALPHABET[Math.floor(bytes[i] / 45)];
  return out;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Bytes in Crockford's base32, upper case, as the server writes ticket ids (`CFQ3DPN2MB9CP`). */
export function crockfordBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += CROCKFORD[(buffer << (5 - bits)) & 31];
  return out;
}

export const PAYLOAD_VERSION = 1;
export const SIGNED_LENGTH = 39;
export const PAYLOAD_LENGTH = SIGNED_LENGTH + 64;

export type TicketClass = 'vip' | 'first' | 'second';
export type TicketPassengerType = 'adult' | 'child' | 'infant';

const CLASSES: Record<number, TicketClass> = { 1: 'vip', 2: 'first', 3: 'second' };
const PASSENGER_TYPES: Record<number, TicketPassengerType> = { 1: 'adult', 2: 'child', 3: 'infant' };

export interface TicketPayload {
  kid: number;
  /** As `GET /api/v1/tickets/keys` names it: four lower-case hex digits. */
  kidText: string;
  ticketId: Uint8Array;
  /** As the server shows it (Crockford base32). */
  ticketIdText: string;
  tripId: number;
  /** `YYYY-MM-DD`: the local date the train leaves its first station. */
  serviceDate: string;
  serviceDay: number;
  from: string;
  to: string;
  /** null for a baby on a lap. */
  seat: { coach: number; seat: number } | null;
  travelClass: TicketClass | null;
  passengerType: TicketPassengerType | null;
  holderHash: Uint8Array;
  /** Epoch milliseconds. */
  validUntil: number;
  /** The bytes the signature covers. */
  signed: Uint8Array;
  signature: Uint8Array;
}

/** Why a text is no ticket at all (the server's 422 codes for `qr`). */
export type ReadError = 'required' | 'not-base45' | 'wrong-length' | 'unsupported-version' | 'invalid';

/** The text as a scanner or a person gives it: line ends and tabs dropped; spaces belong to base45 and stay. */
export function cleanCode(text: string): string {
  return text.replace(/^[\r\n\t]+|[\r\n\t]+$/g, '');
}

const DAY_MS = 86_400_000;
const EPOCH_2020 = Date.UTC(2020, 0, 1);

export function isoDateOfDay(day: number): string {
  return new Date(EPOCH_2020 + day * DAY_MS).toISOString().slice(0, 10);
}

/** Reads a ticket's record, without checking its signature. */
export function parsePayload(bytes: Uint8Array): { ok: true; payload: TicketPayload } | { ok: false; error: ReadError } {
  if (bytes.length === 0) return { ok: false, error: 'wrong-length' };
  if (bytes[0] !== PAYLOAD_VERSION) return { ok: false, error: 'unsupported-version' };
  if (bytes.length !== PAYLOAD_LENGTH) return { ok: false, error: 'wrong-length' };
  const int = (offset: number, size: number) => {
    let n = 0;
    for (let i = 0; i < size; i += 1) n = n * 256 + bytes[offset + i];
    return n;
  };
  const station = (offset: number) => {
    const code = String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2]);
    return /^[A-Z0-9]{3}$/.test(code) ? code : null;
  };
  const from = station(17);
  const to = station(20);
  if (!from || !to) return { ok: false, error: 'invalid' };
  const kid = int(1, 2);
  const ticketId = bytes.slice(3, 11);
  const serviceDay = int(15, 2);
  const coach = bytes[23];
  const seat = bytes[24];
  return {
    ok: true,
    payload: {
      kid,
      kidText: kid.toString(16).padStart(4, '0'),
      ticketId,
      ticketIdText: crockfordBase32(ticketId),
      tripId: int(11, 4),
      serviceDay,
      serviceDate: isoDateOfDay(serviceDay),
      from,
      to,
      seat: coach === 0 && seat === 0 ? null : { coach, seat },
      travelClass: CLASSES[bytes[25]] ?? null,
      passengerType: PASSENGER_TYPES[bytes[26]] ?? null,
      holderHash: bytes.slice(27, 35),
      validUntil: int(35, 4) * 60_000,
      signed: bytes.slice(0, SIGNED_LENGTH),
      signature: bytes.slice(SIGNED_LENGTH),
    },
  };
}

/** The QR text of a ticket as its record, or why it is none. */
export function readTicketCode(text: string): { ok: true; payload: TicketPayload } | { ok: false; error: ReadError } {
  const code = cleanCode(text);
  if (code === '') return { ok: false, error: 'required' };
  if (code.length > 512) return { ok: false, error: 'wrong-length' };
  const bytes = decodeBase45(code);
  if (!bytes) return { ok: false, error: 'not-base45' };
  return parsePayload(bytes);
}

/** When a ticket starts being good: 6 hours before its service date begins, Libreville time (UTC+1). */
export function validFrom(payload: Pick<TicketPayload, 'serviceDay'>): number {
  const libreMidnight = EPOCH_2020 + payload.serviceDay * DAY_MS - 3_600_000;
  return libreMidnight - 6 * 3_600_000;
}

/** The holder's name as every device writes it before hashing: `Léa  Mba-Obame` -> `LEA MBA OBAME`. */
export function normalisedName(name: string): string {
  return name
    .toUpperCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The ID number's ASCII letters and digits, upper case: `gab-76 54` -> `GAB7654`. */
export function normalisedIdNumber(idNumber: string): string {
  return idNumber.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** What the holder hash covers: ticket id ‖ UTF-8 name ‖ 0x00 ‖ UTF-8 ID number. */
export function holderHashInput(ticketId: Uint8Array, name: string, idNumber: string): Uint8Array {
  const encoder = new TextEncoder();
  const n = encoder.encode(normalisedName(name));
  const id = encoder.encode(normalisedIdNumber(idNumber));
  const out = new Uint8Array(ticketId.length + n.length + 1 + id.length);
  out.set(ticketId, 0);
  out.set(n, ticketId.length);
  out[ticketId.length + n.length] = 0;
  out.set(id, ticketId.length + n.length + 1);
  return out;
}
