// Refunds paid in cash at a counter and the agent's till: the answers read defensively, what the agent may do with
// each refund, and the till's sums.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiError } from '../src/lib/api';
import {
  cashDue,
  parseRefund,
  parseRefundList,
  parseTill,
  refundError,
  refundView,
  tillDays,
  withRefund,
} from '../src/features/agent/refunds';

const manual = {
  reference: 'RFD-ABC234-pay_1',
  pnr: 'ABC234',
  amount: 27000,
  currency: 'XAF',
  reason: 'cancellation',
  status: 'manual',
  method: 'card',
  createdAt: '2026-11-22T19:33:22Z',
};

function problem(status: number, code: string): ApiError {
  return { kind: 'problem', status, problem: { type: `https://setrag.ga/problems/${code}`, title: code, status } };
}

describe('a booking’s refunds', () => {
  it('reads a refund, with paidAt and paidBy null or left out', () => {
    const { currency: _currency, ...rest } = manual;
    assert.deepEqual(parseRefund(manual), { ...rest, paidAt: null, paidBy: null });
    const paid = parseRefund({ ...manual, status: 'succeeded', paidAt: '2026-11-22T19:40:00Z', paidBy: 'usr_1' });
    assert.equal(paid?.paidAt, '2026-11-22T19:40:00Z');
    assert.equal(paid?.paidBy, 'usr_1');
    assert.equal(parseRefund({ ...manual, paidAt: null, paidBy: null })?.paidAt, null);
  });

  it('refuses a refund without reference, amount or status, and keeps an unknown status as other', () => {
    assert.equal(parseRefund({ ...manual, reference: undefined }), null);
    assert.equal(parseRefund({ ...manual, amount: -5 }), null);
    assert.equal(parseRefund({ ...manual, amount: '27000' }), null);
    assert.equal(parseRefund('RFD'), null);
    assert.equal(parseRefund({ ...manual, status: 'queued' })?.status, 'other');
  });

  it('reads the list oldest first, leaving out what it cannot use', () => {
    const later = { ...manual, reference: 'RFD-ABC234-pay_2', createdAt: '2026-11-22T20:00:00Z' };
    const list = parseRefundList({ pnr: 'ABC234', currency: 'XAF', refunds: [later, { nonsense: true }, manual] });
    assert.deepEqual(list?.refunds.map((r) => r.reference), ['RFD-ABC234-pay_1', 'RFD-ABC234-pay_2']);
    assert.deepEqual(parseRefundList({ pnr: 'ABC234', refunds: [] }), { pnr: 'ABC234', refunds: [] });
    assert.equal(parseRefundList({ pnr: 'ABC234' }), null);
  });

  it('offers the cash only for a manual refund not paid yet', () => {
    assert.equal(refundView({ status: 'manual', paidAt: null }), 'cash-due');
    assert.equal(refundView({ status: 'manual', paidAt: '2026-11-22T19:40:00Z' }), 'paid');
    assert.equal(refundView({ status: 'succeeded', paidAt: null }), 'paid');
    assert.equal(refundView({ status: 'pending', paidAt: null }), 'to-wallet');
    assert.equal(refundView({ status: 'unknown', paidAt: null }), 'to-wallet');
    assert.equal(refundView({ status: 'other', paidAt: null }), 'to-wallet');
    assert.equal(refundView({ status: 'failed', paidAt: null }), 'failed');
  });

  it('sums what is owed in cash, and puts a paid refund in its place', () => {
    const list = parseRefundList({
      pnr: 'ABC234',
      refunds: [manual, { ...manual, reference: 'RFD-2', amount: 3000 }, { ...manual, reference: 'RFD-3', status: 'pending' }],
    })!;
    assert.equal(cashDue(list.refunds), 30000);
    const paid = parseRefund({ ...manual, status: 'succeeded', paidAt: '2026-11-22T19:40:00Z', paidBy: 'usr_1' })!;
    const after = withRefund(list, paid);
    assert.equal(cashDue(after.refunds), 3000);
    assert.equal(after.refunds[0].status, 'succeeded');
    assert.equal(after.refunds.length, 3);
  });

  it('names what went wrong', () => {
    assert.equal(refundError(problem(409, 'refund-not-manual')), 'not-owed');
    assert.equal(refundError(problem(404, 'not-found')), 'unknown');
    assert.equal(refundError(problem(422, 'validation')), 'invalid');
    assert.equal(refundError(problem(403, 'forbidden')), 'not-allowed');
    assert.equal(refundError(problem(401, 'unauthorized')), 'signed-out');
    assert.equal(refundError(problem(403, 'csrf')), 'session-expired');
    assert.equal(refundError(problem(429, 'too-many-requests')), 'too-many-requests');
    assert.equal(refundError(problem(500, 'internal')), 'unexpected');
    assert.equal(refundError({ kind: 'network' }), 'network');
    assert.equal(refundError({ kind: 'timeout' }), 'timeout');
    assert.equal(refundError({ kind: 'unexpected', status: 502 }), 'unexpected');
  });
});

describe('the till of the day', () => {
  const till = {
    agent: 'usr_1',
    date: '2026-11-22',
    currency: 'XAF',
    count: 2,
    total: 38000,
    payments: [
      { pnr: 'DH2HQ4', id: 'pay_2', createdAt: '2026-11-22T19:33:39Z', amount: 8000, status: 'succeeded' },
      { pnr: 'W5GWPH', id: 'pay_1', createdAt: '2026-11-22T08:10:00Z', amount: 30000, status: 'succeeded' },
    ],
    refundCount: 1,
    refundTotal: 27000,
    refunds: [{ reference: 'RFD-ABC234-pay_1', pnr: 'ABC234', amount: 27000, paidAt: '2026-11-22T19:40:00Z' }],
    net: 11000,
  };

  it('reads the cash taken, the refunds paid and the net, lines in time order', () => {
    const read = parseTill(till)!;
    assert.equal(read.total, 38000);
    assert.equal(read.count, 2);
    assert.equal(read.refundTotal, 27000);
    assert.equal(read.refundCount, 1);
    assert.equal(read.net, 11000);
    assert.deepEqual(read.payments.map((p) => p.pnr), ['W5GWPH', 'DH2HQ4']);
    assert.deepEqual(read.refunds, [{ pnr: 'ABC234', amount: 27000, at: '2026-11-22T19:40:00Z' }]);
  });

  it('works out the net when it is missing, and says when refunds are unknown (an older server)', () => {
    assert.equal(parseTill({ ...till, net: undefined })!.net, 11000);
    const older = parseTill({ date: '2026-11-22', count: 1, total: 8000, payments: [] })!;
    assert.equal(older.refundTotal, null);
    assert.equal(older.refundCount, null);
    assert.equal(older.net, 8000);
    assert.deepEqual(older.refunds, []);
  });

  it('refuses an answer without the cash taken', () => {
    assert.equal(parseTill({ date: '2026-11-22' }), null);
    assert.equal(parseTill([]), null);
  });

  it('is today’s in Libreville, or yesterday’s', () => {
    assert.deepEqual(tillDays(new Date('2026-11-22T23:30:00Z')), { today: '2026-11-23', yesterday: '2026-11-22' });
    assert.deepEqual(tillDays(new Date('2026-03-01T10:00:00Z')), { today: '2026-03-01', yesterday: '2026-02-28' });
  });
});
