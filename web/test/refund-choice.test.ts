// A refund owed in cash on the traveller's booking page: what each refund reads as, the number it may be sent to
// (checked like the payment form's), the request's body, and the server's answers as messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiError } from '../src/lib/api';
import { parseRefundList } from '../src/lib/refunds';
import {
  cashRefundOwed,
  keepsAttempt,
  refundMoving,
  refundState,
  refundsMayStillCome,
  validateWalletNumber,
  walletBody,
  walletErrors,
  walletOf,
} from '../src/features/bookings/refundChoice';
import { messages } from '../src/i18n/messages';

const manual = { reference: 'RFD-8WVT3Z-pay_1', status: 'manual', amount: 7200, reason: 'cancellation' } as const;

function problem(status: number, code: string, errors?: { field: string; code: string }[]): ApiError {
  return {
    kind: 'problem',
    status,
    problem: { type: `https://setrag.ga/problems/${code}`, title: code, status, errors },
  };
}

describe('a refund to collect in cash at a counter', () => {
  it('is owed when the refund is manual and not paid yet', () => {
    assert.equal(cashRefundOwed([{ ...manual, paidAt: null }]), 7200);
    assert.equal(cashRefundOwed([{ ...manual, paidAt: '2026-11-22T19:40:00Z' }]), 0);
    assert.equal(cashRefundOwed([{ ...manual, status: 'pending', paidAt: null }]), 0, 'going back to the wallet');
    assert.equal(cashRefundOwed([]), 0);
    assert.equal(cashRefundOwed(null), 0);
  });
});

describe('what a refund reads as', () => {
  it('owed, on its way, paid or failed', () => {
    assert.equal(refundState({ status: 'manual', paidAt: null }), 'owed');
    assert.equal(refundState({ status: 'manual', paidAt: '2026-11-22T19:40:00Z' }), 'paid', 'paid at a counter');
    assert.equal(refundState({ status: 'pending', paidAt: null }), 'on-its-way');
    assert.equal(refundState({ status: 'unknown', paidAt: null }), 'on-its-way', 'being checked');
    assert.equal(refundState({ status: 'succeeded', paidAt: null }), 'paid');
    assert.equal(refundState({ status: 'failed', paidAt: null }), 'failed');
  });

  it('from the list a customer reads, on any device', () => {
    const list = parseRefundList({
      pnr: '8WVT3Z',
      currency: 'XAF',
      refunds: [
        { ...manual, pnr: '8WVT3Z', currency: 'XAF', method: 'card', createdAt: '2026-11-22T19:33:22Z' },
        { reference: 'RFD-8WVT3Z-pay_2', amount: 3000, status: 'pending', createdAt: '2026-11-22T19:30:00Z' },
      ],
    });
    assert.ok(list);
    assert.deepEqual(
      list.refunds.map((r) => [r.reference, refundState(r)]),
      [
        ['RFD-8WVT3Z-pay_2', 'on-its-way'],
        ['RFD-8WVT3Z-pay_1', 'owed'],
      ],
      'oldest first',
    );
    assert.equal(cashRefundOwed(list.refunds), 7200);
    assert.equal(refundMoving(list.refunds), true, 'the page follows the booking while one is on its way');
    assert.equal(refundMoving(list.refunds.filter((r) => r.status === 'manual')), false);
  });

  it('an empty list may still fill (payments records the refund a moment after the cancellation)', () => {
    assert.equal(refundsMayStillCome([]), true);
    assert.equal(refundsMayStillCome(parseRefundList({ refunds: [manual] })?.refunds ?? []), false);
  });
});

describe('the number a refund is sent to', () => {
  it('is a Gabonese mobile, Airtel or Moov, written any usual way', () => {
    assert.equal(validateWalletNumber(''), 'required');
    assert.equal(validateWalletNumber('   '), 'required');
    assert.equal(validateWalletNumber('062 81 00 12'), null);
    assert.equal(validateWalletNumber('+241 77 12 34 56'), null);
    assert.equal(validateWalletNumber('074998802'), null);
    assert.equal(validateWalletNumber('011 44 55 66'), 'invalid-phone', 'a landline');
    assert.equal(validateWalletNumber('06281001'), 'invalid-phone', 'a digit short');
    assert.equal(validateWalletNumber('hello'), 'invalid-phone');
  });

  it('names its wallet', () => {
    assert.equal(walletOf('062 81 00 12'), 'moov');
    assert.equal(walletOf('066123456'), 'moov');
    assert.equal(walletOf('077 12 34 56'), 'airtel');
    assert.equal(walletOf('011445566'), null);
  });

  it('is sent in E.164, or as typed when it is not a mobile (the server says why)', () => {
    assert.deepEqual(walletBody(' 062 81 00 12 '), { msisdn: '+24162810012' });
    assert.deepEqual(walletBody(' 0114 '), { msisdn: '0114' });
  });
});

describe('the server’s answers to sending a refund to a wallet', () => {
  it('puts a refused number next to the field', () => {
    assert.deepEqual(walletErrors(problem(422, 'validation', [{ field: 'msisdn', code: 'invalid' }])), {
      field: 'invalid-phone',
    });
    assert.deepEqual(walletErrors(problem(422, 'validation', [{ field: 'msisdn', code: 'required' }])), {
      field: 'required',
    });
    assert.deepEqual(walletErrors(problem(422, 'validation')), { form: 'invalid' });
  });

  it('says when it is no longer owed in cash, unknown, or the network failed', () => {
    assert.deepEqual(walletErrors(problem(409, 'refund-not-owed-in-cash')), { form: 'not-owed' });
    assert.deepEqual(walletErrors(problem(404, 'not-found')), { form: 'unknown' });
    assert.deepEqual(walletErrors(problem(401, 'unauthorized')), { form: 'signed-out' });
    assert.deepEqual(walletErrors(problem(403, 'csrf')), { form: 'session-expired' });
    assert.deepEqual(walletErrors(problem(429, 'too-many-requests')), { form: 'too-many-requests' });
    assert.deepEqual(walletErrors(problem(503, 'unavailable')), { form: 'unavailable' });
    assert.deepEqual(walletErrors({ kind: 'network' }), { form: 'network' });
    assert.deepEqual(walletErrors({ kind: 'timeout' }), { form: 'timeout' });
  });

  it('keeps the Idempotency-Key only when the answer was lost', () => {
    assert.equal(keepsAttempt({ kind: 'network' }), true);
    assert.equal(keepsAttempt({ kind: 'timeout' }), true);
    assert.equal(keepsAttempt(problem(422, 'validation')), false);
  });
});

describe('the words', () => {
  it('offer the two choices and say where the refund went, in French and English', () => {
    const fr = messages.fr.bookings.cashRefund;
    const en = messages.en.bookings.cashRefund;
    assert.equal(fr.toWallet, 'Recevoir sur Airtel Money ou Moov Money');
    assert.equal(fr.atCounter, 'Retirer en espèces à un guichet SETRAG avec votre PNR et votre pièce d’identité');
    assert.equal(fr.sentTitle, 'Remboursement envoyé sur le {{phone}}');
    assert.equal(en.sentTitle, 'Refund sent to {{phone}}');
  });
});
