// The staff screens' pure rules: reading a ticket's QR text (base45, the signed record), checking it offline with
// WebCrypto Ed25519 against the published keys, the holder hash, and the queue of offline scans. The fixture is a
// real pair of tickets and the key list from a running platform (`GET /api/v1/bookings/{pnr}/tickets`,
// `GET /api/v1/tickets/keys`): an adult in first class with a baby on the lap, train 211 Owendo -> Ndjolé.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BASE45_ALPHABET,
  cleanCode,
  crockfordBase32,
  decodeBase45,
  encodeBase45,
  normalisedIdNumber,
  normalisedName,
  readTicketCode,
  validFrom,
  type TicketPayload,
} from '../src/features/agent/ticketCode';
import { checkOffline, checkVerdict, holderMatches, outcomeFromServer, refusalCode } from '../src/features/agent/ticketCheck';
import { base64UrlDecode, keyFor, keysFromServer, parseStoredKeys } from '../src/features/agent/ticketKeys';
import { enqueue, parseQueue, parseSeen, queuedCheck, rememberSeen, withoutScan } from '../src/features/agent/scanQueue';

const API_KEYS = {
  keys: [
    {
      kid: '0488',
      alg: 'Ed25519',
      publicKey: 'B9q_PQfRK_HdidQ0fadQsT_5zms9nS68S--CWnbiI_8',
      validFrom: '2026-11-22T11:50:19+01:00',
    },
  ],
};

const ADULT = {
  id: 'CFQ3DPN2MB9CP',
  passengerName: 'Léa  Mba-Obame',
  idNumber: 'GAB-7654',
  validUntil: '2026-11-25T03:58:00+01:00',
  qr: 'Z50+AH75UZSRCQK%TP000CH0*9RL1BB+92G9X50O80NTBV0L00B*/JIGPHMEIUOBN1ZU9IIHRYRIM6HECET6/-N0WIDZT4 K3.L79G85T-9I-DA:S8*-LBJ9.NNW%JEK5F-1KWINBD:XA8J3E/F9QBO$J10',
};

const INFANT = {
  id: 'C364MPW304GH8',
  passengerName: 'Noa Mba',
  qr: 'Z50$AH8$PRPBJ60ZN2000CH0*9RL1BB+9:F92000J0 VE%UK4Z7T5BIGP1JE+X7+TI82HU-PNO0EN54AEVSTF$VKHHTVGW$QVJ6..HWO11U9 JUHM5HQ31IB5USSAC5RQ%.0W9VM/S%IO2PA6TA  LCWSE0',
};

const subtle = globalThis.crypto.subtle;
const keys = keysFromServer(API_KEYS, Date.parse('2026-11-22T12:00:00+01:00'));
/** ADULT's ticket as the verification endpoint describes it (train 211 of 24 November, coach 3 seat 1). */
const ADULT_AS_SERVER_SEES_IT = {
  id: ADULT.id,
  pnr: '66SXRX',
  passengerName: ADULT.passengerName,
  passengerType: 'adult',
  lapInfant: false,
  seat: { coach: 3, seat: 1 },
  class: 'first',
  from: { code: 'OWE', name: 'Owendo' },
  to: { code: 'NDJ', name: 'Ndjolé' },
  tripId: 3,
  trainNumber: 211,
  serviceDate: '2026-11-24',
  departure: '2026-11-24T12:30:00+01:00',
  validUntil: ADULT.validUntil,
} as const;

const ON_THE_TRAIN = Date.parse('2026-11-24T13:00:00+01:00');

function read(qr: string): TicketPayload {
  const result = readTicketCode(qr);
  assert.ok(result.ok, `not read: ${result.ok ? '' : result.error}`);
  return result.payload;
}

/** The same text with one character of the signed part changed to another of the alphabet. */
function tamper(qr: string, at: number): string {
  const c = qr[at];
  const other = BASE45_ALPHABET[(BASE45_ALPHABET.indexOf(c) + 1) % 45];
  return qr.slice(0, at) + other + qr.slice(at + 1);
}

describe('base45 (RFC 9285)', () => {
  it('decodes the RFC examples and encodes them back', () => {
    const text = (s: string) => new TextDecoder().decode(decodeBase45(s) ?? new Uint8Array());
    assert.equal(text('BB8'), 'AB');
    assert.equal(text('%69 VD92EX0'), 'Hello!!');
    assert.equal(text('UJCLQE7W581'), 'base-45');
    assert.equal(text('QED8WEX0'), 'ietf!');
    assert.equal(encodeBase45(new TextEncoder().encode('Hello!!')), '%69 VD92EX0');
    assert.equal(encodeBase45(new TextEncoder().encode('ietf!')), 'QED8WEX0');
  });

  it('refuses text that is not base45', () => {
    assert.equal(decodeBase45('GGW'), null, 'a group over 65 535');
    assert.equal(decodeBase45('ZZ'), null, 'a final pair over 255');
    assert.equal(decodeBase45('ABCD'), null, 'a lone last character');
    assert.equal(decodeBase45('ab'), null, 'lower case');
    assert.equal(decodeBase45('A#'), null, 'outside the alphabet');
    assert.deepEqual(Array.from(decodeBase45('') ?? [1]), []);
  });

  it('round-trips every byte value', () => {
    const bytes = Uint8Array.from({ length: 257 }, (_, i) => (i * 7) % 256);
    assert.deepEqual(Array.from(decodeBase45(encodeBase45(bytes)) ?? []), Array.from(bytes));
  });
});

describe('a ticket read from its QR text', () => {
  it('gives the fields the API shows for the same ticket', () => {
    const p = read(ADULT.qr);
    assert.equal(p.kidText, '0488');
    assert.equal(p.ticketIdText, ADULT.id);
    assert.equal(p.tripId, 3);
    assert.equal(p.serviceDate, '2026-11-24');
    assert.equal(p.from, 'OWE');
    assert.equal(p.to, 'NDJ');
    assert.deepEqual(p.seat, { coach: 3, seat: 1 });
    assert.equal(p.travelClass, 'first');
    assert.equal(p.passengerType, 'adult');
    assert.equal(p.validUntil, Date.parse(ADULT.validUntil));
    assert.equal(p.signed.length, 39);
    assert.equal(p.signature.length, 64);
  });

  it('a baby on the lap has no seat; spaces inside the text are part of it', () => {
    assert.ok(INFANT.qr.includes('  '));
    const p = read(INFANT.qr);
    assert.equal(p.ticketIdText, INFANT.id);
    assert.equal(p.seat, null);
    assert.equal(p.passengerType, 'infant');
  });

  it('a scanner line end is dropped, not the text', () => {
    assert.equal(cleanCode(`${ADULT.qr}\r\n`), ADULT.qr);
    assert.equal(cleanCode(' A '), ' A ');
  });

  it('says why a text is no ticket', () => {
    const fail = (qr: string) => {
      const r = readTicketCode(qr);
      return r.ok ? 'ok' : r.error;
    };
    assert.equal(fail(''), 'required');
    assert.equal(fail('hello'), 'not-base45');
    assert.equal(fail(ADULT.qr.slice(0, 150)), 'wrong-length');
    assert.equal(fail(encodeBase45(Uint8Array.of(2, 0, 0))), 'unsupported-version');
    const bad = decodeBase45(ADULT.qr) ?? new Uint8Array();
    bad[17] = 0x61; // 'a': station codes are A-Z 0-9
    assert.equal(fail(encodeBase45(bad)), 'invalid');
  });

  it('is good from 6 hours before its service date begins in Libreville', () => {
    assert.equal(validFrom(read(ADULT.qr)), Date.parse('2026-11-23T18:00:00+01:00'));
  });

  it('writes ticket ids as the server does (Crockford base32)', () => {
    assert.equal(crockfordBase32(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0)), '0000000000000');
    assert.equal(crockfordBase32(Uint8Array.of(255)), 'ZW');
  });
});

describe('checking a ticket offline', () => {
  const context = { keys, now: ON_THE_TRAIN, subtle };

  it('the published key verifies a real ticket (WebCrypto Ed25519)', async () => {
    const outcome = await checkOffline(read(ADULT.qr), ADULT.qr, context);
    assert.equal(outcome.valid, true);
    assert.equal(outcome.reason, null);
    assert.equal(outcome.offline, true);
    assert.equal(outcome.ticket?.id, ADULT.id);
    assert.deepEqual(outcome.ticket?.seat, { coach: 3, seat: 1 });
    assert.equal((await checkOffline(read(INFANT.qr), INFANT.qr, context)).valid, true);
  });

  it('a changed character is a bad signature, and its data is not shown', async () => {
    for (const at of [10, 40, 57, 80, 120]) {
      const forged = tamper(ADULT.qr, at);
      const r = readTicketCode(forged);
      if (!r.ok) continue; // some changes make no ticket at all
      const outcome = await checkOffline(r.payload, forged, context);
      assert.equal(outcome.valid, false, `position ${at}`);
      assert.ok(outcome.reason === 'bad-signature' || outcome.reason === 'unknown-key', `position ${at}`);
      assert.equal(outcome.ticket, null);
    }
  });

  it('a key the device does not hold is an unknown key', async () => {
    const outcome = await checkOffline(read(ADULT.qr), ADULT.qr, { ...context, keys: null });
    assert.equal(outcome.reason, 'unknown-key');
    const other = keysFromServer({ keys: [{ ...API_KEYS.keys[0], kid: '0001' }] }, 0);
    assert.equal((await checkOffline(read(ADULT.qr), ADULT.qr, { ...context, keys: other })).reason, 'unknown-key');
  });

  it('a key no longer published is not used', () => {
    const ended = keysFromServer({ keys: [{ ...API_KEYS.keys[0], validUntil: '2026-11-23T00:00:00+01:00' }] }, 0);
    assert.equal(keyFor(ended, 0x488, ON_THE_TRAIN), null);
    assert.ok(keyFor(ended, 0x488, Date.parse('2026-11-22T23:00:00+01:00')));
  });

  it('too early, too late, another train', async () => {
    const p = read(ADULT.qr);
    assert.equal((await checkOffline(p, ADULT.qr, { ...context, now: Date.parse('2026-11-23T17:59:00+01:00') })).reason, 'not-yet-valid');
    assert.equal((await checkOffline(p, ADULT.qr, { ...context, now: Date.parse('2026-11-23T18:00:00+01:00') })).reason, null);
    assert.equal((await checkOffline(p, ADULT.qr, { ...context, now: Date.parse('2026-11-25T03:59:00+01:00') })).reason, 'expired');
    assert.equal((await checkOffline(p, ADULT.qr, { ...context, tripId: 4 })).reason, 'wrong-train');
    assert.equal((await checkOffline(p, ADULT.qr, { ...context, tripId: 3 })).valid, true);
  });

  it('a ticket for a later day is authentic, with the date it is good from, and not for boarding today', async () => {
    const p = read(ADULT.qr);
    // Checked on Sunday 22 November for Tuesday's train: good from Monday 18:00, Libreville time.
    const sunday = await checkOffline(p, ADULT.qr, { ...context, now: Date.parse('2026-11-22T15:00:00+01:00') });
    assert.equal(sunday.valid, false);
    assert.equal(sunday.reason, 'not-yet-valid');
    assert.equal(checkVerdict(sunday), 'later-day');
    assert.equal(sunday.ticket?.validFrom, Date.parse('2026-11-23T18:00:00+01:00'));
    assert.equal(sunday.ticket?.serviceDate, '2026-11-24');
    assert.deepEqual(sunday.ticket?.seat, { coach: 3, seat: 1 });
    // The conductor on another train (a trip chosen) sees the same: the date says more than "another train".
    const onOtherTrain = await checkOffline(p, ADULT.qr, { ...context, tripId: 4, now: Date.parse('2026-11-22T15:00:00+01:00') });
    assert.equal(onOtherTrain.reason, 'wrong-train');
    assert.equal(checkVerdict(onOtherTrain), 'later-day');
    // From Monday 18:00 it is an ordinary ticket; another train that day is refused.
    assert.equal(checkVerdict(await checkOffline(p, ADULT.qr, context)), 'board');
    assert.equal(checkVerdict(await checkOffline(p, ADULT.qr, { ...context, tripId: 4 })), 'refused');
    // A forged code for a later day is refused: nothing of it is vouched for.
    const forged = await checkOffline(p, ADULT.qr, { ...context, keys: null, now: Date.parse('2026-11-22T15:00:00+01:00') });
    assert.equal(checkVerdict(forged), 'refused');
  });

  it('a second check on this device is flagged with the first one', async () => {
    const outcome = await checkOffline(read(ADULT.qr), ADULT.qr, { ...context, seenAt: '2026-11-24T12:40:00+01:00' });
    assert.equal(outcome.valid, true);
    assert.equal(outcome.alreadyScanned, true);
    assert.equal(outcome.firstScannedAt, '2026-11-24T12:40:00+01:00');
    assert.equal(outcome.firstScanOnDevice, true);
  });

  it('the holder hash confirms the name and ID number on the ID document', async () => {
    const adult = read(ADULT.qr);
    assert.equal(await holderMatches(subtle, adult, 'léa mba obame', 'gab 7654'), true);
    assert.equal(await holderMatches(subtle, adult, ADULT.passengerName, ADULT.idNumber), true);
    assert.equal(await holderMatches(subtle, adult, 'Léa Mba', ADULT.idNumber), false);
    assert.equal(await holderMatches(subtle, adult, ADULT.passengerName, 'GAB7655'), false);
    assert.equal(await holderMatches(subtle, read(INFANT.qr), 'Noa Mba', ''), true);
  });

  it('names and ID numbers are normalised as booking does', () => {
    assert.equal(normalisedName('Léa  Mba-Obame'), 'LEA MBA OBAME');
    assert.equal(normalisedName(" N'Dong  Ép\u00e9e "), 'N DONG EPEE');
    assert.equal(normalisedIdNumber('gab-76 54'), 'GAB7654');
  });
});

describe('the server’s answer', () => {
  it('is shown as it is, with the earlier scan', () => {
    const p = read(ADULT.qr);
    const outcome = outcomeFromServer(
      {
        valid: true,
        reason: null,
        alreadyScanned: true,
        firstScannedAt: '2026-11-24T12:40:00+01:00',
        ticket: ADULT_AS_SERVER_SEES_IT,
      },
      p,
      ADULT.qr,
      ON_THE_TRAIN,
    );
    assert.equal(outcome.offline, false);
    assert.equal(outcome.alreadyScanned, true);
    assert.equal(outcome.ticket?.passengerName, ADULT.passengerName);
    assert.equal(outcome.ticket?.trainNumber, 211);
  });

  it('a later day’s ticket is authentic for that day, with its train, date, seat and when it is good from', () => {
    const p = read(ADULT.qr);
    const outcome = outcomeFromServer(
      {
        valid: false,
        reason: 'not-yet-valid',
        alreadyScanned: false,
        firstScannedAt: null,
        ticket: ADULT_AS_SERVER_SEES_IT,
      },
      p,
      ADULT.qr,
      Date.parse('2026-11-22T15:00:00+01:00'),
    );
    assert.equal(checkVerdict(outcome), 'later-day');
    assert.equal(outcome.ticket?.validFrom, Date.parse('2026-11-23T18:00:00+01:00'));
    assert.equal(outcome.ticket?.trainNumber, 211);
    assert.equal(checkVerdict({ ...outcome, reason: 'expired' }), 'refused');
    assert.equal(checkVerdict({ ...outcome, valid: true, reason: null }), 'board');
    assert.equal(checkVerdict({ ...outcome, valid: true, reason: null, alreadyScanned: true }), 'already-scanned');
    assert.equal(refusalCode('exchanged'), 'exchanged');
  });

  it('a forged code shows no ticket data; unknown reasons are kept apart', () => {
    const p = read(ADULT.qr);
    const forged = outcomeFromServer(
      { valid: false, reason: 'bad-signature', alreadyScanned: false, firstScannedAt: null, ticket: null },
      p,
      ADULT.qr,
      0,
    );
    assert.equal(forged.ticket, null);
    assert.equal(forged.reason, 'bad-signature');
    const cancelled = outcomeFromServer(
      { valid: false, reason: 'cancelled', alreadyScanned: false, firstScannedAt: null, ticket: null },
      p,
      ADULT.qr,
      0,
    );
    assert.equal(cancelled.ticket?.id, ADULT.id);
    assert.equal(refusalCode('something-new'), 'other');
  });
});

describe('keys kept on the device', () => {
  it('only Ed25519 keys of 32 bytes are kept, and read back', () => {
    const stored = keysFromServer(
      { keys: [...API_KEYS.keys, { kid: '00ff', alg: 'ES256', publicKey: 'AAAA', validFrom: '' }, { kid: 'zz', alg: 'Ed25519', publicKey: API_KEYS.keys[0].publicKey, validFrom: '' }] },
      5,
    );
    assert.equal(stored.keys.length, 1);
    assert.deepEqual(parseStoredKeys(JSON.stringify(stored)), stored);
    assert.equal(parseStoredKeys('{bad'), null);
    assert.equal(base64UrlDecode(API_KEYS.keys[0].publicKey)?.length, 32);
    assert.equal(base64UrlDecode('a'), null);
  });
});

describe('scans waiting to be sent', () => {
  const scan = { qr: ADULT.qr, tripId: null, checkedAt: 1, ticketId: ADULT.id, validOffline: true };

  it('are queued, read back and removed one by one', () => {
    const queue = enqueue(enqueue([], scan), { ...scan, checkedAt: 2 });
    assert.equal(queue.length, 2);
    assert.deepEqual(parseQueue(JSON.stringify(queue)), queue);
    assert.deepEqual(withoutScan(queue, scan), [{ ...scan, checkedAt: 2 }]);
    assert.deepEqual(parseQueue('nope'), []);
  });

  it('are sent with the instant of the check, and their train when known', () => {
    const at = Date.parse('2026-11-24T11:42:05.250Z');
    assert.deepEqual(queuedCheck({ ...scan, checkedAt: at }), { qr: ADULT.qr, scannedAt: '2026-11-24T11:42:05.250Z' });
    assert.deepEqual(queuedCheck({ ...scan, tripId: 42, checkedAt: at }), {
      qr: ADULT.qr,
      tripId: 42,
      scannedAt: '2026-11-24T11:42:05.250Z',
    });
  });

  it('the tickets seen keep their first check and are forgotten after three days', () => {
    const now = Date.parse('2026-11-24T13:00:00Z');
    let seen = rememberSeen({}, 'A', '2026-11-24T12:00:00Z', now);
    seen = rememberSeen(seen, 'A', '2026-11-24T12:30:00Z', now);
    assert.equal(seen.A, '2026-11-24T12:00:00Z');
    seen = rememberSeen({ ...seen, OLD: '2026-11-20T12:00:00Z' }, 'B', '2026-11-24T12:45:00Z', now);
    assert.deepEqual(Object.keys(seen).sort(), ['A', 'B']);
    assert.deepEqual(parseSeen(JSON.stringify(seen)), seen);
  });
});
