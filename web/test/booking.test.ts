// The booking step's rules: fares, the travellers' form, the request it becomes, the server's errors, what is
// kept while signing in, and the idempotency keys of its attempts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiError } from '../src/lib/api';
import { formatPhoneNational, mobileOperator } from '../src/lib/format';
import { keyForAttempt, newUuid } from '../src/lib/ids';
import type { Offers } from '../src/features/trips/api/types';
import { fareSummary, pricesByTrip, unitPrices } from '../src/features/trips/fares';
import {
  bookingErrors,
  draftFromText,
  draftOwner,
  draftToText,
  emptyForm,
  emptyPassenger,
  fieldOrder,
  normalizeIdNumber,
  partyOf,
  toNewBooking,
  validateBookingForm,
  type BookingForm,
  type PassengerDraft,
} from '../src/features/trips/passengers';

const person = (changes: Partial<PassengerDraft>): PassengerDraft => ({
  ...emptyPassenger(),
  name: 'Awa Ndong',
  idNumber: 'GA123456',
  ...changes,
});

const FORM: BookingForm = {
  passengers: [
    person({ infant: true, infantName: 'Noa Ndong' }),
    person({ type: 'child', name: 'Jade Ndong', idNumber: 'ga 654 321' }),
  ],
  contactPhone: '074 12 34 56',
};

const SEATS = [
  { coach: 7, seat: 14 },
  { coach: 7, seat: 15 },
];

const TARGET = { tripId: 42, from: 'OWE', to: 'NDJ', travelClass: 'second' as const, seats: SEATS };

const problem = (status: number, code: string, errors?: Array<{ field: string; code: string }>): ApiError => ({
  kind: 'problem',
  status,
  problem: { type: `https://setrag.ga/problems/${code}`, title: code, status, errors },
});

describe('fares', () => {
  const offers: Offers = {
    from: { code: 'OWE', name: 'Owendo' },
    to: { code: 'NDJ', name: 'Ndjolé' },
    date: '2026-11-24',
    distanceKm: 182,
    passengers: [
      { type: 'adult', count: 1 },
      { type: 'child', count: 1 },
      { type: 'infant', count: 1 },
    ],
    trips: [
      {
        id: 3,
        trainNumber: 211,
        service: 'express',
        serviceDate: '2026-11-24',
        departure: '2026-11-24T12:30:00+01:00',
        arrival: '2026-11-24T15:58:00+01:00',
        durationMinutes: 208,
        classes: [
          {
            class: 'second',
            seatsFree: 300,
            available: true,
            price: {
              total: 12250,
              currency: 'XAF',
              perPassenger: [
                { type: 'adult', count: 1, unitPrice: 8000, amount: 8000 },
                { type: 'child', count: 1, unitPrice: 4250, amount: 4250 },
                { type: 'infant', count: 1, unitPrice: 0, amount: 0 },
              ],
            },
          },
          { class: 'vip', seatsFree: 36, available: true },
        ],
      },
    ],
    nextDates: [],
  };

  it('reads the fare of one passenger of each type for a trip and class', () => {
    assert.deepEqual(unitPrices(offers, 3, 'second'), { adult: 8000, child: 4250, infant: 0 });
    assert.equal(unitPrices(offers, 3, 'vip'), null); // not priced
    assert.equal(unitPrices(offers, 3, 'first'), null); // not in the answer
    assert.equal(unitPrices(offers, 99, 'second'), null);
  });

  it('sums a party as booking does: unit price times count, per type, then the total', () => {
    const units = { adult: 8000, child: 4250, infant: 0 };
    assert.deepEqual(fareSummary(units, { adult: 2, child: 1, infant: 1 }), {
      lines: [
        { type: 'adult', count: 2, unitPrice: 8000, amount: 16000 },
        { type: 'child', count: 1, unitPrice: 4250, amount: 4250 },
        { type: 'infant', count: 1, unitPrice: 0, amount: 0 },
      ],
      total: 20250,
    });
    assert.deepEqual(fareSummary(units, { adult: 0, child: 3, infant: 0 }), {
      lines: [{ type: 'child', count: 3, unitPrice: 4250, amount: 12750 }],
      total: 12750,
    });
  });

  it('knows no total while the price of a type that travels is unknown', () => {
    assert.equal(fareSummary({ adult: 8000 }, { adult: 1, child: 1, infant: 0 }), null);
    assert.deepEqual(fareSummary({ adult: 8000 }, { adult: 1, child: 0, infant: 0 })?.total, 8000);
  });

  it('gives the results each class’s total for the party and one adult’s fare', () => {
    assert.deepEqual(pricesByTrip(offers), { 3: { second: { total: 12250, unitPrice: 8000, passengers: 3 } } });
  });
});

describe('the travellers’ form', () => {
  it('starts with one adult per seat and the account’s phone', () => {
    const form = emptyForm(2, '077 12 34 56');
    assert.equal(form.passengers.length, 2);
    assert.equal(form.passengers[1].type, 'adult');
    assert.equal(form.contactPhone, '077 12 34 56');
  });

  it('counts a baby only on an adult’s lap', () => {
    assert.deepEqual(partyOf(FORM), { adult: 1, child: 1, infant: 1 });
    const child = { ...FORM, passengers: [person({ type: 'child', infant: true, infantName: 'Noa' })] };
    assert.deepEqual(partyOf(child), { adult: 0, child: 1, infant: 0 });
  });

  it('accepts a complete form', () => {
    assert.deepEqual(validateBookingForm(FORM), {});
  });

  it('explains each missing or wrong field', () => {
    const form: BookingForm = {
      passengers: [
        person({ name: '  ', idNumber: '', infant: true, infantName: '' }),
        person({ name: 'x'.repeat(81), idNumber: 'G 1' }),
        person({ name: 'Léa\u0007', idNumber: 'GA/123456' }),
      ],
      contactPhone: '012 34 56',
    };
    assert.deepEqual(validateBookingForm(form), {
      'passengers.0.name': 'required',
      'passengers.0.idNumber': 'required',
      'passengers.0.infantName': 'required',
      'passengers.1.name': 'too-long',
      'passengers.1.idNumber': 'invalid',
      'passengers.2.name': 'invalid',
      'passengers.2.idNumber': 'invalid',
      contactPhone: 'invalid-phone',
    });
    assert.deepEqual(validateBookingForm({ ...FORM, contactPhone: ' ' }), { contactPhone: 'required' });
  });

  it('counts a name’s letters, not its bytes: 80 accented letters are fine', () => {
    assert.deepEqual(validateBookingForm({ ...FORM, passengers: [person({ name: 'é'.repeat(80) })] }), {});
  });

  it('ignores a baby’s missing name once the traveller is a child', () => {
    const form = { ...FORM, passengers: [person({ type: 'child', infant: true, infantName: '' })] };
    assert.deepEqual(validateBookingForm(form), {});
  });

  it('writes ID numbers as booking stores them', () => {
    assert.equal(normalizeIdNumber(' ga 123-456 '), 'GA123-456');
  });

  it('lists the fields in the order of the form, the baby after its adult', () => {
    assert.deepEqual(fieldOrder(FORM), [
      'passengers.0.type',
      'passengers.0.name',
      'passengers.0.idNumber',
      'passengers.0.infantName',
      'passengers.1.type',
      'passengers.1.name',
      'passengers.1.idNumber',
      'contactPhone',
    ]);
  });
});

describe('the booking request', () => {
  it('gives every traveller their seat, the baby right after its adult, without a seat', () => {
    const { booking, sent } = toNewBooking(FORM, TARGET);
    assert.deepEqual(booking, {
      tripId: 42,
      from: 'OWE',
      to: 'NDJ',
      class: 'second',
      passengers: [
        { type: 'adult', name: 'Awa Ndong', idNumber: 'GA123456', seat: { coach: 7, seat: 14 } },
        { type: 'infant', name: 'Noa Ndong' },
        { type: 'child', name: 'Jade Ndong', idNumber: 'GA654321', seat: { coach: 7, seat: 15 } },
      ],
      contactPhone: '+24174123456',
    });
    assert.deepEqual(sent, [
      { index: 0, infant: false },
      { index: 0, infant: true },
      { index: 1, infant: false },
    ]);
  });

  it('places the server’s field errors on the form, the baby’s on its own field', () => {
    const { sent } = toNewBooking(FORM, TARGET);
    const error = problem(422, 'validation', [
      { field: 'passengers.1.name', code: 'too-long' },
      { field: 'passengers.2.idNumber', code: 'invalid' },
      { field: 'passengers[0].name', code: 'required' },
      { field: 'contactPhone', code: 'invalid-phone' },
    ]);
    assert.deepEqual(bookingErrors(error, sent), {
      fields: {
        'passengers.0.infantName': 'too-long',
        'passengers.1.idNumber': 'invalid',
        'passengers.0.name': 'required',
        contactPhone: 'invalid-phone',
      },
    });
  });

  it('says what it cannot place, and codes it does not know, as a whole', () => {
    const { sent } = toNewBooking(FORM, TARGET);
    assert.deepEqual(
      bookingErrors(problem(422, 'validation', [{ field: 'passengers', code: 'too-many-infants' }]), sent),
      { fields: {}, form: 'invalid' },
    );
    assert.deepEqual(bookingErrors(problem(422, 'validation', [{ field: 'passengers.0.name', code: 'odd' }]), sent), {
      fields: { 'passengers.0.name': 'invalid' },
    });
  });

  it('tells a seat taken meanwhile, a lost session, a lost answer', () => {
    assert.deepEqual(bookingErrors(problem(409, 'seats-taken'), []), { fields: {}, form: 'seats-taken' });
    assert.deepEqual(bookingErrors(problem(409, 'not-enough-seats'), []), { fields: {}, form: 'not-enough-seats' });
    assert.deepEqual(bookingErrors(problem(409, 'trip-not-on-sale'), []), { fields: {}, form: 'not-on-sale' });
    assert.deepEqual(bookingErrors(problem(409, 'idempotency-key-in-use'), []), { fields: {}, form: 'in-progress' });
    assert.deepEqual(bookingErrors(problem(401, 'unauthorized'), []), { fields: {}, form: 'signed-out' });
    assert.deepEqual(bookingErrors(problem(403, 'csrf'), []), { fields: {}, form: 'session-expired' });
    assert.deepEqual(bookingErrors(problem(403, 'forbidden'), []), { fields: {}, form: 'forbidden' });
    assert.deepEqual(bookingErrors({ kind: 'network' }, []), { fields: {}, form: 'network' });
    assert.deepEqual(bookingErrors({ kind: 'timeout' }, []), { fields: {}, form: 'timeout' });
    assert.deepEqual(bookingErrors(problem(502, 'bad-gateway'), []), { fields: {}, form: 'unexpected' });
  });
});

describe('what is kept while signing in or choosing other seats', () => {
  const owner = draftOwner(42, 'OWE', 'NDJ', 'second');

  it('gives the form back for the same journey, saying whether the traveller went to sign in', () => {
    assert.deepEqual(draftFromText(draftToText(owner, FORM, true), owner, 2), { form: FORM, signingIn: true });
    assert.deepEqual(draftFromText(draftToText(owner, FORM), owner, 2), { form: FORM, signingIn: false });
  });

  it('keeps nothing for another trip, class or journey', () => {
    const text = draftToText(owner, FORM);
    assert.equal(draftFromText(text, draftOwner(43, 'OWE', 'NDJ', 'second'), 2), null);
    assert.equal(draftFromText(text, draftOwner(42, 'OWE', 'NDJ', 'first'), 2), null);
    assert.equal(draftFromText(text, draftOwner(42, 'OWE', 'FCV', 'second'), 2), null);
  });

  it('fits the travellers to the seats now chosen', () => {
    const text = draftToText(owner, FORM);
    assert.deepEqual(draftFromText(text, owner, 1)?.form.passengers, [FORM.passengers[0]]);
    const three = draftFromText(text, owner, 3)?.form.passengers;
    assert.deepEqual(three, [...FORM.passengers, emptyPassenger()]);
  });

  it('ignores what it cannot read', () => {
    assert.equal(draftFromText(null, owner, 2), null);
    assert.equal(draftFromText('{not json', owner, 2), null);
    assert.equal(draftFromText(JSON.stringify({ owner, form: { passengers: [{ type: 'pilot' }], contactPhone: '' } }), owner, 1), null);
  });
});

describe('idempotency keys', () => {
  it('makes RFC 4122 version 4 UUIDs', () => {
    const fixed = newUuid((bytes) => bytes.fill(0xff));
    assert.equal(fixed, 'ffffffff-ffff-4fff-bfff-ffffffffffff');
    assert.match(newUuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(newUuid(), newUuid());
  });

  it('keeps the key when the same request is sent again, and makes a new one when it changed', () => {
    let n = 0;
    const make = () => `key-${(n += 1)}`;
    const first = keyForAttempt(null, 'A', make);
    assert.deepEqual(first, { key: 'key-1', request: 'A' });
    assert.equal(keyForAttempt(first, 'A', make), first);
    assert.deepEqual(keyForAttempt(first, 'B', make), { key: 'key-2', request: 'B' });
  });
});

describe('Gabonese mobile numbers', () => {
  it('writes a number the way it is said at home', () => {
    assert.equal(formatPhoneNational('+24174123456'), '074 12 34 56');
    assert.equal(formatPhoneNational('+33612345678'), '+33612345678');
  });

  it('knows the operator: Airtel 074/077, Moov 062/065/066', () => {
    assert.equal(mobileOperator('074 12 34 56'), 'airtel');
    assert.equal(mobileOperator('+241 77 12 34 56'), 'airtel');
    assert.equal(mobileOperator('062123456'), 'moov');
    assert.equal(mobileOperator('065 12 34 56'), 'moov');
    assert.equal(mobileOperator('066123456'), 'moov');
    assert.equal(mobileOperator('011 12 34 56'), null);
  });
});
