// Exchanging a booking: which trains and classes may be chosen, and what the price answer means.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Booking, TripChoices } from '../src/features/bookings/api/types';
import { statusTone } from '../src/features/bookings/hold';
import {
  exchangeChoices,
  exchangeError,
  exchangeOutcome,
  isExchangeable,
  quoteError,
  seatedCount,
} from '../src/features/bookings/exchange';

const NOW = Date.parse('2026-11-22T09:50:00+01:00');

const booking: Pick<Booking, 'status' | 'from' | 'trip' | 'class' | 'passengers'> = {
  status: 'confirmed',
  from: { code: 'OWE', name: 'Owendo', departure: '2026-11-24T12:30:00+01:00' },
  trip: { id: 41, trainNumber: 211, service: 'express', serviceDate: '2026-11-24' },
  class: 'second',
  passengers: [
    { type: 'adult', name: 'Awa Ndong', fare: 30000, seat: { coach: 7, seat: 14 } },
    { type: 'child', name: 'Léa Ndong', fare: 15000, seat: { coach: 7, seat: 15 } },
    { type: 'infant', name: 'Noé Ndong', fare: 0 },
  ],
};

const search: TripChoices = {
  date: '2026-11-24',
  nextDates: [],
  trips: [
    {
      id: 52, trainNumber: 513, service: 'express', serviceDate: '2026-11-27',
      departure: '2026-11-27T18:00:00+01:00', arrival: '2026-11-28T07:19:00+01:00',
      classes: [
        { class: 'vip', seatsFree: 1, available: false },
        { class: 'second', seatsFree: 80, available: true },
      ],
    },
    {
      id: 41, trainNumber: 211, service: 'express', serviceDate: '2026-11-24',
      departure: '2026-11-24T12:30:00+01:00', arrival: '2026-11-25T01:49:00+01:00',
      classes: [
        { class: 'first', seatsFree: 12, available: true },
        { class: 'second', seatsFree: 40, available: true },
      ],
    },
  ],
};

describe('exchanging a booking', () => {
  it('is for confirmed bookings whose train has not left', () => {
    assert.equal(isExchangeable(booking, NOW), true);
    assert.equal(isExchangeable({ ...booking, status: 'awaiting_payment' }, NOW), false);
    assert.equal(isExchangeable({ ...booking, status: 'exchanged' }, NOW), false);
    assert.equal(isExchangeable(booking, Date.parse('2026-11-24T12:31:00+01:00')), false);
    // An exchanged booking ended by its holder's choice, like a cancellation.
    assert.equal(statusTone('exchanged'), 'neutral');
  });

  it('offers the other trains and classes with a seat for each traveller, earliest first', () => {
    assert.equal(seatedCount(booking), 2); // the baby travels on a lap
    const choices = exchangeChoices(search, booking, NOW);
    assert.deepEqual(
      choices.map((c) => c.id),
      ['41:first', '52:second'], // not the booked train and class, not a class with one seat left
    );
    assert.equal(choices[1].trainNumber, 513);
  });

  it('leaves out the trains that have already left (today’s search lists them too)', () => {
    const today: TripChoices = {
      date: '2026-11-22',
      nextDates: [],
      trips: [
        {
          id: 2, trainNumber: 733, service: 'omnibus', serviceDate: '2026-11-22',
          departure: '2026-11-22T09:00:00+01:00', arrival: '2026-11-23T02:43:00+01:00',
          classes: [{ class: 'second', seatsFree: 600, available: true }],
        },
        {
          id: 66, trainNumber: 9303, service: 'express', serviceDate: '2026-11-22',
          departure: '2026-11-22T11:50:00+01:00', arrival: '2026-11-23T01:09:00+01:00',
          classes: [{ class: 'first', seatsFree: 180, available: true }],
        },
      ],
    };
    assert.deepEqual(exchangeChoices(today, booking, NOW).map((c) => c.trainNumber), [9303]);
    assert.deepEqual(exchangeChoices(today, booking, Date.parse('2026-11-22T08:00:00+01:00')).map((c) => c.id), [
      '2:second',
      '66:first',
    ]);
  });

  it('says the chosen train left, rather than the booking’s, when the booking’s own train is still to come', () => {
    const departed = {
      kind: 'problem' as const,
      status: 409,
      problem: { type: 'https://setrag.ga/problems/trip-departed', title: '', status: 409 },
    };
    assert.equal(quoteError(departed, booking, NOW), 'chosen-departed');
    assert.equal(quoteError(departed, booking, Date.parse('2026-11-24T13:00:00+01:00')), 'departed');
    assert.equal(quoteError({ kind: 'network' }, booking, NOW), 'network');
  });

  it('says whether the difference is to pay, to be paid back, or nothing', () => {
    assert.deepEqual(exchangeOutcome({ amountDue: 25500, refund: 0 }), { kind: 'pay', amount: 25500 });
    assert.deepEqual(exchangeOutcome({ amountDue: 0, refund: 4500 }), { kind: 'refund', amount: 4500 });
    assert.deepEqual(exchangeOutcome({ amountDue: 0, refund: 0 }), { kind: 'even' });
  });

  it('names what went wrong from the server’s problem', () => {
    const problem = (status: number, code: string) => ({
      kind: 'problem' as const,
      status,
      problem: { type: `https://setrag.ga/problems/${code}`, title: '', status },
    });
    assert.equal(exchangeError(problem(409, 'trip-departed')), 'departed');
    assert.equal(exchangeError(problem(409, 'booking-state')), 'state');
    assert.equal(exchangeError(problem(409, 'seats-taken')), 'seats');
    assert.equal(exchangeError(problem(422, 'validation')), 'invalid');
    assert.equal(exchangeError(problem(404, 'not-found')), 'invalid');
    assert.equal(exchangeError(problem(429, 'too-many-requests')), 'too-many-requests');
    assert.equal(exchangeError({ kind: 'timeout' }), 'network');
    assert.equal(exchangeError({ kind: 'network' }), 'network');
  });
});
