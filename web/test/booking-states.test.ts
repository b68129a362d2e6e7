// The two newer booking statuses, wherever a status is looked at: `held` (just made, its seats held until
// `holdExpiresAt`, no payment started yet: payable like `awaiting_payment`, which now means a payment is under way) and
// `refunded` (the refund owed was paid back in full: the end).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOOKING_STATUSES } from '../src/features/bookings/api/types';
import { STATUS_NAMES } from '../src/features/bookings/components/labels';
import { counterSlip } from '../src/features/bookings/counter';
import { isExchangeable } from '../src/features/bookings/exchange';
import { isCancellable, isPayable, statusTone, waitsForPayment } from '../src/features/bookings/hold';
import { followsTrain } from '../src/features/bookings/liveStatus';
import { collectStatus } from '../src/features/agent/collect';
import { messages } from '../src/i18n/messages';

const NOW = Date.parse('2026-11-22T19:30:00+01:00');
const HOLD = '2026-11-22T19:45:00+01:00';
const from = { code: 'OWE', name: 'Owendo', departure: '2026-11-24T12:30:00+01:00' };
const to = { code: 'FCV', name: 'Franceville', arrival: '2026-11-25T01:49:00+01:00' };

function text(lang: 'fr' | 'en', key: string): unknown {
  return key.split('.').reduce<unknown>((tree, part) => (tree as Record<string, unknown> | undefined)?.[part], messages[lang]);
}

describe('held: the seats are held, no payment started yet', () => {
  it('is paid like a booking waiting for its payment, until the hold runs out', () => {
    assert.equal(waitsForPayment('held'), true);
    assert.equal(waitsForPayment('awaiting_payment'), true);
    assert.equal(waitsForPayment('confirmed'), false);
    assert.ok(isPayable({ status: 'held', holdExpiresAt: HOLD }, NOW));
    assert.ok(!isPayable({ status: 'held', holdExpiresAt: HOLD }, Date.parse(HOLD)));
    assert.ok(!isPayable({ status: 'held' }, NOW));
  });

  it('may be cancelled, not exchanged, and shows the train like a booking to pay', () => {
    assert.ok(isCancellable({ status: 'held', from }, NOW));
    assert.ok(!isCancellable({ status: 'held', from }, Date.parse(from.departure) + 1));
    assert.equal(isExchangeable({ status: 'held', from }, NOW), false);
    assert.equal(followsTrain({ status: 'held', from, to }, Date.parse('2026-11-24T10:00:00+01:00')), true);
  });

  it('waits, in the same tone as awaiting_payment', () => {
    assert.equal(statusTone('held'), 'waiting');
  });

  it('gets a counter slip, and the counter may take its cash', () => {
    const booking = { pnr: 'W5GWPH', status: 'held' as const, holdExpiresAt: HOLD, total: 30_000 };
    assert.deepEqual(counterSlip(booking, NOW), { pnr: 'W5GWPH', amount: 30_000, deadline: HOLD });
    assert.equal(collectStatus({ status: 'held', holdExpiresAt: HOLD }, NOW), 'due');
    assert.equal(collectStatus({ status: 'held', holdExpiresAt: HOLD }, Date.parse(HOLD)), 'expired');
  });
});

describe('refunded: the refund owed was paid back', () => {
  it('is the end: nothing to pay, cancel, exchange, follow or collect', () => {
    assert.ok(!isPayable({ status: 'refunded', holdExpiresAt: HOLD }, NOW));
    assert.ok(!isCancellable({ status: 'refunded', from }, NOW));
    assert.equal(isExchangeable({ status: 'refunded', from }, NOW), false);
    assert.equal(followsTrain({ status: 'refunded', from, to }, Date.parse('2026-11-24T10:00:00+01:00')), false);
    assert.equal(collectStatus({ status: 'refunded' }, NOW), 'closed');
    assert.equal(counterSlip({ pnr: 'W5GWPH', status: 'refunded', holdExpiresAt: HOLD, total: 30_000 }, NOW), null);
    assert.equal(statusTone('refunded'), 'neutral');
  });
});

describe('every status has its name', () => {
  it('in French and in English', () => {
    assert.ok(BOOKING_STATUSES.includes('held') && BOOKING_STATUSES.includes('refunded'));
    for (const status of BOOKING_STATUSES) {
      const key = STATUS_NAMES[status];
      assert.equal(typeof text('fr', key), 'string', `${status} fr`);
      assert.equal(typeof text('en', key), 'string', `${status} en`);
    }
    assert.equal(text('fr', STATUS_NAMES.refunded), 'Remboursée');
    assert.equal(text('fr', 'bookings.booking.heldUntilChoose'), 'Places réservées jusqu’à {{time}}\u00a0: choisissez votre paiement.');
    assert.equal(text('fr', 'bookings.booking.refundedText'), 'Remboursé\u00a0: {{amount}} vous ont été rendus.');
  });
});
