// A booking whose train SETRAG cancelled: what its page says (booking's notice in the user's language), the choices
// it offers (a free exchange, a full refund, at any time), what the refund was, and which bookings of the list are
// looked up. The booking's shape is booking's answer after inventory's TripCancelled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Booking, BookingSummary } from '../src/features/bookings/api/types';
import { isExchangeable } from '../src/features/bookings/exchange';
import { isCancellable } from '../src/features/bookings/hold';
import {
  LIST_LOOKUPS,
  bookingsToLookUp,
  offersChoice,
  operatorCancellation,
  refundPercent,
  tripCancelled,
} from '../src/features/bookings/tripCancelled';

const BEFORE = Date.parse('2026-11-22T09:50:00+01:00');
const AFTER_DEPARTURE = Date.parse('2026-11-24T14:00:00+01:00');

const confirmed: Pick<Booking, 'status' | 'from' | 'total' | 'refundAmount' | 'operatorCancellation' | 'notices'> = {
  status: 'confirmed',
  from: { code: 'OWE', name: 'Owendo', departure: '2026-11-24T12:30:00+01:00' },
  total: 45000,
};

const cancelledBySetrag: typeof confirmed = {
  ...confirmed,
  operatorCancellation: { reason: 'voie coupée à Booué', at: '2026-11-22T08:00:00+01:00', options: ['refund', 'exchange'] },
  notices: [
    {
      kind: 'trip-cancelled',
      message: {
        fr: 'SETRAG a annulé le train 211 du 2026-11-24 (voie coupée à Booué). Pour votre réservation K7Q2ZB, choisissez un échange gratuit ou un remboursement intégral.',
        en: 'SETRAG has cancelled train 211 of 2026-11-24 (voie coupée à Booué). For your booking K7Q2ZB, choose a free exchange or a full refund.',
      },
      at: '2026-11-22T08:00:05+01:00',
    },
  ],
};

describe('a train SETRAG cancelled', () => {
  it('is said with booking’s notice in the user’s language, and both choices, exchange first', () => {
    const fr = tripCancelled(cancelledBySetrag, 'fr');
    assert.ok(fr);
    assert.match(fr.message ?? '', /^SETRAG a annulé le train 211/);
    assert.deepEqual(fr.choices, ['exchange', 'refund']);
    assert.equal(fr.reason, 'voie coupée à Booué');
    assert.match(tripCancelled(cancelledBySetrag, 'en')?.message ?? '', /^SETRAG has cancelled train 211/);
  });

  it('says nothing for a train that runs', () => {
    assert.equal(tripCancelled(confirmed, 'fr'), null);
    assert.equal(tripCancelled({ ...confirmed, notices: cancelledBySetrag.notices }, 'fr'), null);
  });

  it('uses the app’s own words when booking gave no notice, or none in that language', () => {
    assert.equal(tripCancelled({ ...cancelledBySetrag, notices: [] }, 'fr')?.message, null);
    assert.equal(tripCancelled({ ...cancelledBySetrag, notices: undefined }, 'fr')?.message, null);
    const frenchOnly = [{ kind: 'trip-cancelled', message: { fr: 'Annulé.', en: '' }, at: '2026-11-22T08:00:05+01:00' }];
    assert.equal(tripCancelled({ ...cancelledBySetrag, notices: frenchOnly }, 'en')?.message, null);
    const other = [{ kind: 'something-else', message: { fr: 'Autre.', en: 'Other.' }, at: '2026-11-22T09:00:00+01:00' }];
    assert.equal(tripCancelled({ ...cancelledBySetrag, notices: other }, 'fr')?.message, null);
  });

  it('offers nothing once a choice is made, and only the choices booking gives', () => {
    assert.deepEqual(tripCancelled({ ...cancelledBySetrag, status: 'refund_pending' }, 'fr')?.choices, []);
    const refundOnly = { ...cancelledBySetrag, operatorCancellation: { reason: '', at: '2026-11-22T08:00:00+01:00', options: ['refund', 'upgrade'] } };
    assert.deepEqual(tripCancelled(refundOnly, 'fr')?.choices, ['refund']);
    assert.equal(offersChoice(refundOnly, 'exchange'), false);
    assert.equal(offersChoice(cancelledBySetrag, 'exchange'), true);
  });

  it('lets the holder exchange or be refunded even after the planned departure', () => {
    assert.equal(isExchangeable(confirmed, AFTER_DEPARTURE), false);
    assert.equal(isCancellable(confirmed, AFTER_DEPARTURE), false);
    assert.equal(isExchangeable(cancelledBySetrag, AFTER_DEPARTURE), true);
    assert.equal(isCancellable(cancelledBySetrag, AFTER_DEPARTURE), true);
    assert.equal(isCancellable({ ...cancelledBySetrag, status: 'refund_pending' }, BEFORE), false);
  });

  it('shows the share refunded: 100 % when booking gives all of it back', () => {
    assert.equal(refundPercent({ total: 45000, refundAmount: 45000 }), 100);
    assert.equal(refundPercent({ total: 45000, refundAmount: 40500 }), 90);
    assert.equal(refundPercent({ total: 45000, refundAmount: 44999 }), 99); // never rounded up to "all"
    assert.equal(refundPercent({ total: 45000 }), null);
    assert.equal(refundPercent({ total: 0, refundAmount: 0 }), null);
  });

  it('reads booking’s field defensively', () => {
    assert.equal(operatorCancellation(null), null);
    assert.equal(operatorCancellation({ reason: 'x' }), null);
    assert.deepEqual(operatorCancellation({ at: '2026-11-22T08:00:00+01:00', options: ['refund', 3] }), {
      reason: '',
      at: '2026-11-22T08:00:00+01:00',
      options: ['refund'],
    });
  });
});

describe('“Mes réservations”', () => {
  function summary(pnr: string, status: BookingSummary['status']): BookingSummary {
    return {
      pnr,
      status,
      trip: { id: 41, trainNumber: 211, service: 'express', serviceDate: '2026-11-24' },
      from: { code: 'OWE', name: 'Owendo', departure: '2026-11-24T12:30:00+01:00' },
      to: { code: 'NDJ', name: 'Ndjolé', arrival: '2026-11-24T16:30:00+01:00' },
      class: 'second',
      passengerCount: 1,
      total: 15000,
      currency: 'XAF',
      createdAt: '2026-11-20T10:00:00+01:00',
    };
  }

  it('looks up the confirmed bookings only, a few at most, in the list’s order', () => {
    const list = [summary('AAAAAA', 'confirmed'), summary('BBBBBB', 'cancelled'), summary('CCCCCC', 'confirmed')];
    assert.deepEqual(bookingsToLookUp(list), ['AAAAAA', 'CCCCCC']);
    const many = Array.from({ length: 15 }, (_, i) => summary(`P${String(i).padStart(5, '0')}`, 'confirmed'));
    assert.equal(bookingsToLookUp(many).length, LIST_LOOKUPS);
    const known = { ...summary('DDDDDD', 'confirmed'), operatorCancellation: cancelledBySetrag.operatorCancellation };
    assert.deepEqual(bookingsToLookUp([known]), []);
  });
});
