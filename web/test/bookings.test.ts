// A booking's page: the time left to pay, what the booking allows, and paying, step by step from the answers of
// `POST /api/v1/payments` and `GET /api/v1/payments/{id}`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiError } from '../src/lib/api';
import type { Payment } from '../src/features/bookings/api/types';
import { formatRemaining, isCancellable, isPayable, newestFirst, secondsLeft, statusTone } from '../src/features/bookings/hold';
import {
  CHOOSING,
  GIVE_UP_AFTER_MS,
  methodForPhone,
  paymentErrors,
  paymentFlow,
  paymentInProgress,
  rememberedPayment,
  rememberedPaymentText,
  validatePayment,
  type PaymentEvent,
  type PaymentFlow,
} from '../src/features/bookings/payment';

const NOW = Date.parse('2026-11-22T09:50:00+01:00');
const HOLD = '2026-11-22T10:05:00+01:00';

describe('the hold’s countdown', () => {
  it('counts whole seconds left, never below zero', () => {
    assert.equal(secondsLeft(HOLD, NOW), 15 * 60);
    assert.equal(secondsLeft(HOLD, NOW + 0.4 * 1000), 15 * 60); // a started second still counts
    assert.equal(secondsLeft(HOLD, Date.parse(HOLD) + 5000), 0);
    assert.equal(secondsLeft('not a time', NOW), 0);
  });

  it('writes the time left in minutes and seconds', () => {
    assert.equal(formatRemaining(15 * 60), '15 min 00 s');
    assert.equal(formatRemaining(14 * 60 + 5), '14 min 05 s');
    assert.equal(formatRemaining(59), '59 s');
    assert.equal(formatRemaining(0), '0 s');
    assert.equal(formatRemaining(3600 + 125), '1 h 02 min');
    assert.equal(formatRemaining(-3), '0 s');
  });

  it('takes a payment only while the booking waits for one and its hold runs', () => {
    assert.ok(isPayable({ status: 'awaiting_payment', holdExpiresAt: HOLD }, NOW));
    assert.ok(!isPayable({ status: 'awaiting_payment', holdExpiresAt: HOLD }, Date.parse(HOLD)));
    assert.ok(!isPayable({ status: 'confirmed' }, NOW));
    assert.ok(!isPayable({ status: 'awaiting_payment' }, NOW));
  });

  it('cancels before departure, unpaid or confirmed', () => {
    const from = { code: 'OWE', name: 'Owendo', departure: '2026-11-24T12:30:00+01:00' };
    assert.ok(isCancellable({ status: 'awaiting_payment', from }, NOW));
    assert.ok(isCancellable({ status: 'confirmed', from }, NOW));
    assert.ok(!isCancellable({ status: 'confirmed', from }, Date.parse(from.departure) + 1));
    assert.ok(!isCancellable({ status: 'refund_pending', from }, NOW));
    assert.ok(!isCancellable({ status: 'expired', from }, NOW));
  });

  it('gives each status its tone', () => {
    assert.equal(statusTone('awaiting_payment'), 'waiting');
    assert.equal(statusTone('confirmed'), 'success');
    assert.equal(statusTone('cancelled'), 'neutral');
    assert.equal(statusTone('refund_pending'), 'neutral');
    assert.equal(statusTone('refund_due'), 'error');
    assert.equal(statusTone('expired'), 'error');
  });

  it('lists the newest booking first', () => {
    const list = [
      { pnr: 'A', createdAt: '2026-11-20T10:00:00+01:00' },
      { pnr: 'B', createdAt: '2026-11-22T09:00:00+01:00' },
      { pnr: 'C', createdAt: '2026-11-21T23:30:00Z' },
    ];
    assert.deepEqual(newestFirst(list).map((b) => b.pnr), ['B', 'C', 'A']);
  });
});

describe('the method and the number', () => {
  it('chooses the wallet of the contact phone first', () => {
    assert.equal(methodForPhone('+24174123456'), 'airtel_money');
    assert.equal(methodForPhone('+24166123456'), 'moov_money');
    assert.equal(methodForPhone(''), 'airtel_money');
  });

  it('asks for a Gabonese mobile of the wallet’s operator', () => {
    assert.equal(validatePayment('airtel_money', '074 12 34 56'), null);
    assert.equal(validatePayment('moov_money', '062 12 34 56'), null);
    assert.equal(validatePayment('airtel_money', '066 12 34 56'), 'wrong-operator');
    assert.equal(validatePayment('moov_money', '+241 77 12 34 56'), 'wrong-operator');
    assert.equal(validatePayment('card', '066 12 34 56'), null);
    assert.equal(validatePayment('card', '12 34'), 'invalid-phone');
    assert.equal(validatePayment('airtel_money', ' '), 'required');
  });
});

const payment = (changes: Partial<Payment>): Payment => ({
  id: 'pay_1',
  pnr: 'W5GWPH',
  method: 'airtel_money',
  amount: 16000,
  currency: 'XAF',
  status: 'pending',
  createdAt: '2026-11-22T08:50:00Z',
  ...changes,
});

function run(flow: PaymentFlow, ...events: PaymentEvent[]): PaymentFlow {
  return events.reduce(paymentFlow, flow);
}

describe('paying, step by step', () => {
  it('asks for the PIN on the phone, follows the payment, and ends confirmed', () => {
    const starting = run(CHOOSING, { type: 'start', method: 'airtel_money' });
    assert.deepEqual(starting, { step: 'starting', method: 'airtel_money' });
    const waiting = run(starting, { type: 'started', payment: payment({}), now: NOW });
    assert.deepEqual(waiting, {
      step: 'waiting',
      id: 'pay_1',
      method: 'airtel_money',
      since: NOW,
      checkedAt: NOW,
      paid: false,
    });
    // Still pending: a new state each time, so that the page asks again 2 s later.
    const still = run(waiting, { type: 'polled', payment: payment({}), now: NOW + 2000 });
    assert.notEqual(still, waiting);
    assert.deepEqual(still, { ...waiting, checkedAt: NOW + 2000 });
    const done = run(still, {
      type: 'polled',
      payment: payment({ status: 'succeeded', bookingStatus: 'confirmed' }),
      now: NOW + 4000,
    });
    assert.deepEqual(done, { step: 'done', bookingStatus: 'confirmed' });
  });

  it('waits for booking once paid, and tells when the seats were gone meanwhile', () => {
    const waiting = run(CHOOSING, { type: 'start', method: 'moov_money' }, {
      type: 'started',
      payment: payment({ method: 'moov_money' }),
      now: NOW,
    });
    const paid = run(waiting, { type: 'polled', payment: payment({ status: 'succeeded' }), now: NOW + 2000 });
    assert.equal(paid.step === 'waiting' && paid.paid, true);
    const refund = run(paid, {
      type: 'polled',
      payment: payment({ status: 'succeeded', bookingStatus: 'refund_due' }),
      now: NOW + 4000,
    });
    assert.deepEqual(refund, { step: 'done', bookingStatus: 'refund_due' });
  });

  it('goes back to the choice, saying why, when the payment fails or expires', () => {
    const waiting = run(CHOOSING, { type: 'start', method: 'airtel_money' }, {
      type: 'started',
      payment: payment({}),
      now: NOW,
    });
    assert.deepEqual(run(waiting, { type: 'polled', payment: payment({ status: 'failed' }), now: NOW }), {
      step: 'choose',
      outcome: 'failed',
    });
    assert.deepEqual(run(waiting, { type: 'polled', payment: payment({ status: 'expired' }), now: NOW }), {
      step: 'choose',
      outcome: 'expired',
    });
    // Refused at once (the provider said no when asked).
    assert.deepEqual(
      run(CHOOSING, { type: 'start', method: 'airtel_money' }, {
        type: 'started',
        payment: payment({ status: 'failed' }),
        now: NOW,
      }),
      { step: 'choose', outcome: 'failed' },
    );
  });

  it('stops waiting after about 2 minutes, whether answers come or not, and can check again', () => {
    const waiting = run(CHOOSING, { type: 'start', method: 'airtel_money' }, {
      type: 'started',
      payment: payment({ status: 'unknown' }),
      now: NOW,
    });
    assert.equal(run(waiting, { type: 'poll-failed', now: NOW + GIVE_UP_AFTER_MS - 1 }).step, 'waiting');
    const late = run(waiting, { type: 'polled', payment: payment({}), now: NOW + GIVE_UP_AFTER_MS });
    assert.deepEqual(late, { step: 'timed-out', id: 'pay_1', method: 'airtel_money' });
    assert.deepEqual(run(waiting, { type: 'poll-failed', now: NOW + GIVE_UP_AFTER_MS + 1 }), late);
    // "Vérifier à nouveau": the same payment, two more minutes.
    assert.deepEqual(run(late, { type: 'follow', id: 'pay_1', method: 'airtel_money', now: NOW + 200_000 }), {
      step: 'waiting',
      id: 'pay_1',
      method: 'airtel_money',
      since: NOW + 200_000,
      checkedAt: NOW + 200_000,
      paid: false,
    });
    assert.deepEqual(run(late, { type: 'choose-again' }), CHOOSING);
  });

  it('sends a card payment to the hosted page, and follows it on the way back', () => {
    const card = payment({ method: 'card', paymentUrl: 'http://127.0.0.1:8190/pay/123' });
    assert.deepEqual(
      run(CHOOSING, { type: 'start', method: 'card' }, { type: 'started', payment: card, now: NOW }),
      { step: 'redirecting', url: 'http://127.0.0.1:8190/pay/123' },
    );
    // Back at `/bookings/W5GWPH?payment=pay_1`: followed, never sent to the page again.
    const back = run(CHOOSING, { type: 'follow', id: 'pay_1', method: 'card', now: NOW });
    assert.equal(run(back, { type: 'polled', payment: card, now: NOW + 2000 }).step, 'waiting');
    assert.deepEqual(
      run(back, { type: 'polled', payment: { ...card, status: 'succeeded', bookingStatus: 'confirmed' }, now: NOW }),
      { step: 'done', bookingStatus: 'confirmed' },
    );
  });

  it('ignores answers that are not about the step it is in', () => {
    const waiting = run(CHOOSING, { type: 'follow', id: 'pay_1', method: 'airtel_money', now: NOW });
    assert.equal(run(waiting, { type: 'polled', payment: payment({ id: 'pay_2', status: 'failed' }), now: NOW }), waiting);
    assert.equal(run(waiting, { type: 'start', method: 'card' }), waiting);
    assert.equal(run(CHOOSING, { type: 'polled', payment: payment({ status: 'failed' }), now: NOW }), CHOOSING);
    assert.equal(run(CHOOSING, { type: 'started', payment: payment({}), now: NOW }), CHOOSING);
    assert.deepEqual(run(CHOOSING, { type: 'start', method: 'card' }, { type: 'start-failed' }), CHOOSING);
  });
});

const problem = (status: number, code: string, extra: object = {}): ApiError => ({
  kind: 'problem',
  status,
  problem: { type: `https://setrag.ga/problems/${code}`, title: code, status, ...extra },
});

describe('payment errors', () => {
  it('puts a wallet of another operator next to the number', () => {
    const wrong = problem(422, 'validation', { errors: [{ field: 'msisdn', code: 'wrong-operator' }] });
    assert.deepEqual(paymentErrors(wrong), { field: 'wrong-operator' });
    const invalid = problem(422, 'validation', { errors: [{ field: 'msisdn', code: 'invalid' }] });
    assert.deepEqual(paymentErrors(invalid), { field: 'invalid-phone' });
    assert.deepEqual(paymentErrors(problem(422, 'validation', { errors: [{ field: 'pnr', code: 'invalid' }] })), {
      form: 'invalid',
    });
  });

  it('tells the booking’s state, a payment under way, a provider out of reach, a lost answer', () => {
    assert.deepEqual(paymentErrors(problem(409, 'booking-not-payable')), { form: 'not-payable' });
    assert.deepEqual(paymentErrors(problem(409, 'payment-in-progress')), { form: 'in-progress' });
    assert.deepEqual(paymentErrors(problem(503, 'unavailable')), { form: 'unavailable' });
    assert.deepEqual(paymentErrors(problem(401, 'unauthorized')), { form: 'signed-out' });
    assert.deepEqual(paymentErrors({ kind: 'network' }), { form: 'network' });
    assert.deepEqual(paymentErrors({ kind: 'timeout' }), { form: 'timeout' });
  });

  it('finds the payment under way in the problem’s detail', () => {
    const busy = problem(409, 'payment-in-progress', {
      detail: 'Payment pay_kmdbn5dmg9kesc2b037g of this booking is waiting for its outcome',
    });
    assert.equal(paymentInProgress(busy), 'pay_kmdbn5dmg9kesc2b037g');
    assert.equal(paymentInProgress(problem(409, 'payment-in-progress')), null);
    assert.equal(paymentInProgress(problem(409, 'booking-not-payable', { detail: 'pay_x' })), null);
  });

  it('remembers the payment started in this tab for about 2 minutes', () => {
    const text = rememberedPaymentText('pay_1', 'moov_money', NOW);
    assert.deepEqual(rememberedPayment(text, NOW + 60_000), { id: 'pay_1', method: 'moov_money' });
    assert.equal(rememberedPayment(text, NOW + GIVE_UP_AFTER_MS + 1), null);
    assert.deepEqual(rememberedPayment(text, NOW + 10 * GIVE_UP_AFTER_MS, Infinity), { id: 'pay_1', method: 'moov_money' });
    assert.equal(rememberedPayment('{"id":1}', NOW), null);
    assert.equal(rememberedPayment('nope', NOW), null);
    assert.equal(rememberedPayment(null, NOW), null);
  });
});
