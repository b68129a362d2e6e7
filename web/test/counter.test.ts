// Paying cash at a counter: the traveller's slip (bookings) and the agent's rules for taking the cash (agent).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiError } from '../src/lib/api';
import { counterSlip } from '../src/features/bookings/counter';
import { amountToCollect, cleanPnr, collectError, collectStatus } from '../src/features/agent/collect';

const NOW = Date.parse('2026-11-22T09:50:00+01:00');
const HOLD = '2026-11-22T10:05:00+01:00';

function problem(status: number, code: string): ApiError {
  return { kind: 'problem', status, problem: { type: `https://setrag.ga/problems/${code}`, title: code, status } };
}

describe('the counter slip', () => {
  const booking = { pnr: 'W5GWPH', status: 'awaiting_payment' as const, holdExpiresAt: HOLD, total: 24_000 };

  it('gives the reference, the amount and the hold’s end while the booking may be paid', () => {
    assert.deepEqual(counterSlip(booking, NOW), { pnr: 'W5GWPH', amount: 24_000, deadline: HOLD });
  });

  it('asks an exchange’s difference, not its total', () => {
    assert.equal(counterSlip({ ...booking, amountDue: 3_500 }, NOW)?.amount, 3_500);
  });

  it('is gone once the hold has run out or the booking no longer waits for payment', () => {
    assert.equal(counterSlip(booking, Date.parse(HOLD) + 1000), null);
    assert.equal(counterSlip({ ...booking, status: 'confirmed' }, NOW), null);
    assert.equal(counterSlip({ ...booking, holdExpiresAt: undefined }, NOW), null);
  });
});

describe('the reference typed at the counter', () => {
  it('accepts any case, spaces and a leading #', () => {
    assert.equal(cleanPnr('w5gwph'), 'W5GWPH');
    assert.equal(cleanPnr('  W5G WPH '), 'W5GWPH');
    assert.equal(cleanPnr('#W5GWPH'), 'W5GWPH');
  });

  it('refuses what cannot be a reference: wrong length, look-alikes', () => {
    assert.equal(cleanPnr(''), null);
    assert.equal(cleanPnr('W5GWP'), null);
    assert.equal(cleanPnr('W5GWPHX'), null);
    assert.equal(cleanPnr('W5GWP0'), null); // zero is never used
    assert.equal(cleanPnr('OLI123'), null);
  });
});

describe('what the counter may take', () => {
  it('takes the cash of a booking waiting for payment within its hold', () => {
    assert.equal(collectStatus({ status: 'awaiting_payment', holdExpiresAt: HOLD }, NOW), 'due');
  });

  it('says a booking whose hold ran out is expired, even before booking marks it so', () => {
    assert.equal(collectStatus({ status: 'awaiting_payment', holdExpiresAt: HOLD }, Date.parse(HOLD)), 'expired');
    assert.equal(collectStatus({ status: 'expired', holdExpiresAt: HOLD }, NOW), 'expired');
  });

  it('says a confirmed booking is paid, and a cancelled or exchanged one closed', () => {
    assert.equal(collectStatus({ status: 'confirmed' }, NOW), 'paid');
    for (const status of ['cancelled', 'refund_pending', 'refund_due', 'exchanged']) {
      assert.equal(collectStatus({ status }, NOW), 'closed');
    }
  });

  it('takes the amount due (an exchange’s difference), else the total', () => {
    assert.equal(amountToCollect({ total: 24_000 }), 24_000);
    assert.equal(amountToCollect({ total: 24_000, amountDue: 3_500 }), 3_500);
  });
});

describe('the server’s refusals at the counter', () => {
  it('names an unknown reference, a booking no longer payable and a payment under way', () => {
    assert.equal(collectError(problem(404, 'not-found')), 'unknown-pnr');
    assert.equal(collectError(problem(409, 'booking-not-payable')), 'not-payable');
    assert.equal(collectError(problem(409, 'payment-in-progress')), 'in-progress');
  });

  it('names the session’s and the network’s troubles', () => {
    assert.equal(collectError(problem(403, 'forbidden')), 'not-allowed');
    assert.equal(collectError(problem(401, 'unauthorized')), 'signed-out');
    assert.equal(collectError(problem(403, 'csrf')), 'session-expired');
    assert.equal(collectError(problem(429, 'too-many-requests')), 'too-many-requests');
    assert.equal(collectError({ kind: 'network' }), 'network');
    assert.equal(collectError({ kind: 'timeout' }), 'timeout');
    assert.equal(collectError({ kind: 'unexpected', status: 502 }), 'unexpected');
    assert.equal(collectError(problem(500, 'internal')), 'unexpected');
  });
});
