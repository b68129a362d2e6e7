// Paying a booking: the method and the number, the steps of a payment followed by polling (a PIN to type on the
// phone, or the card page and back), and the server's errors. Pure: no DOM, no i18n, no timers (the page polls
// and passes the time in).
import { isProblem, problemCode, type ApiError } from '../../lib/api';
import { mobileOperator, normalizeGabonPhone } from '../../lib/format';
import type { RequestError } from '../../lib/useRequest';
import type { BookingStatus, Payment, PaymentMethod } from './api/types';

/** A payment is asked about every 2 s… */
export const POLL_EVERY_MS = 2_000;
/** …for about 2 minutes; then the page says so and offers to check again. */
export const GIVE_UP_AFTER_MS = 120_000;

/** The wallet of a mobile number, to choose it first: Airtel Money for 074/077, Moov Money for 062/065/066. */
export function methodForPhone(phone: string): PaymentMethod {
  return mobileOperator(phone) === 'moov' ? 'moov_money' : 'airtel_money';
}

export type PaymentFieldCode = 'required' | 'invalid-phone' | 'wrong-operator';

/** The number must be a Gabonese mobile, and for mobile money one of that operator. */
export function validatePayment(method: PaymentMethod, phone: string): PaymentFieldCode | null {
  if (phone.trim() === '') return 'required';
  if (normalizeGabonPhone(phone) === null) return 'invalid-phone';
  const operator = mobileOperator(phone);
  if (method === 'airtel_money' && operator !== 'airtel') return 'wrong-operator';
  if (method === 'moov_money' && operator !== 'moov') return 'wrong-operator';
  return null;
}

// --- The steps ---

export interface Waiting {
  step: 'waiting';
  id: string;
  method: PaymentMethod;
  /** When the waiting started (ms since the epoch). */
  since: number;
  /** When the payment was last asked about: every answer is a new state, so the page asks again. */
  checkedAt: number;
  /** Paid: booking has not said yet that the booking is confirmed. */
  paid: boolean;
}

export type PaymentFlow =
  /** Choosing the method; after a failed payment, why. */
  | { step: 'choose'; outcome: null | 'failed' | 'expired' }
  /** "Payer" sent, no answer yet. */
  | { step: 'starting'; method: PaymentMethod }
  /** Mobile money: the PIN is asked on the phone; card: back from the card page. Polled. */
  | Waiting
  /** Card: the browser goes to the aggregator's page. */
  | { step: 'redirecting'; url: string }
  /** No outcome after ~2 minutes: check again (never pay a second time blindly). */
  | { step: 'timed-out'; id: string; method: PaymentMethod }
  /** Paid, and booking says what became of the booking (confirmed; refund_due when the seats were gone). */
  | { step: 'done'; bookingStatus: BookingStatus };

export type PaymentEvent =
  | { type: 'start'; method: PaymentMethod }
  /** The answer to `POST /api/v1/payments`. */
  | { type: 'started'; payment: Payment; now: number }
  /** `POST /api/v1/payments` failed: back to the choice (the page shows the error). */
  | { type: 'start-failed' }
  /** Follow a payment already made: back from the card page, after a reload, "check again". */
  | { type: 'follow'; id: string; method: PaymentMethod; now: number }
  /** The answer to `GET /api/v1/payments/{id}`. */
  | { type: 'polled'; payment: Payment; now: number }
  /** A poll without an answer (network): time still passes. */
  | { type: 'poll-failed'; now: number }
  /** Back to the choice of method. */
  | { type: 'choose-again' };

export const CHOOSING: PaymentFlow = { step: 'choose', outcome: null };

function isPaymentMethod(method: string): method is PaymentMethod {
  return method === 'airtel_money' || method === 'moov_money' || method === 'card';
}

/** Where a payment's answer leads, for a payment followed since `since`. */
function fromAnswer(payment: Payment, since: number, now: number, fresh: boolean): PaymentFlow {
  const method: PaymentMethod = isPaymentMethod(payment.method) ? payment.method : 'card';
  switch (payment.status) {
    case 'succeeded':
      if (payment.bookingStatus) return { step: 'done', bookingStatus: payment.bookingStatus };
      break;
    case 'failed':
      return { step: 'choose', outcome: 'failed' };
    case 'expired':
      return { step: 'choose', outcome: 'expired' };
    default:
      // Just made, a card payment opens the aggregator's page; afterwards it is only followed.
      if (fresh && method === 'card' && payment.paymentUrl) return { step: 'redirecting', url: payment.paymentUrl };
  }
  const paid = payment.status === 'succeeded';
  if (now - since >= GIVE_UP_AFTER_MS) return { step: 'timed-out', id: payment.id, method };
  return { step: 'waiting', id: payment.id, method, since, checkedAt: now, paid };
}

export function paymentFlow(flow: PaymentFlow, event: PaymentEvent): PaymentFlow {
  switch (event.type) {
    case 'start':
      return flow.step === 'choose' ? { step: 'starting', method: event.method } : flow;
    case 'started':
      return flow.step === 'starting' ? fromAnswer(event.payment, event.now, event.now, true) : flow;
    case 'start-failed':
      return flow.step === 'starting' ? CHOOSING : flow;
    case 'follow':
      return { step: 'waiting', id: event.id, method: event.method, since: event.now, checkedAt: event.now, paid: false };
    case 'polled':
      if (flow.step !== 'waiting' || flow.id !== event.payment.id) return flow;
      return fromAnswer(event.payment, flow.since, event.now, false);
    case 'poll-failed':
      if (flow.step !== 'waiting') return flow;
      if (event.now - flow.since >= GIVE_UP_AFTER_MS) return { step: 'timed-out', id: flow.id, method: flow.method };
      return { ...flow, checkedAt: event.now };
    case 'choose-again':
      return CHOOSING;
  }
}

// --- The server's errors ---

export type PaymentFormError =
  /** The booking takes no payment any more (paid meanwhile, cancelled, expired). */
  | 'not-payable'
  /** A payment of this booking is still waiting for its outcome. */
  | 'in-progress'
  /** The payment service or the aggregator cannot be reached: nothing was charged. */
  | 'unavailable'
  | 'signed-out'
  | 'not-found'
  | 'session-expired'
  | 'too-many-requests'
  | 'network'
  | 'timeout'
  | 'invalid'
  | 'unexpected';

/** Turns a failed `POST /api/v1/payments` into a message next to the number, or about the payment. */
export function paymentErrors(error: RequestError): { field?: PaymentFieldCode; form?: PaymentFormError } {
  if (error.kind === 'network') return { form: 'network' };
  if (error.kind === 'timeout') return { form: 'timeout' };
  if (error.kind === 'unexpected') return { form: 'unexpected' };
  if (isProblem(error, 'booking-not-payable')) return { form: 'not-payable' };
  if (isProblem(error, 'payment-in-progress')) return { form: 'in-progress' };
  if (isProblem(error, 'csrf')) return { form: 'session-expired' };
  if (error.status === 401) return { form: 'signed-out' };
  if (error.status === 404) return { form: 'not-found' };
  if (error.status === 429) return { form: 'too-many-requests' };
  if (error.status === 503 || error.status === 502) return { form: 'unavailable' };
  if (problemCode(error.problem) === 'validation' || error.status === 422) {
    const msisdn = error.problem.errors?.find((item) => item.field === 'msisdn');
    if (msisdn) {
      const field: PaymentFieldCode =
        msisdn.code === 'wrong-operator' ? 'wrong-operator' : msisdn.code === 'required' ? 'required' : 'invalid-phone';
      return { field };
    }
    return { form: 'invalid' };
  }
  return { form: 'unexpected' };
}

/** The payment a `payment-in-progress` problem names (`Payment pay_… of this booking is waiting…`), if any. */
export function paymentInProgress(error: ApiError): string | null {
  if (!isProblem(error, 'payment-in-progress') || error.kind !== 'problem') return null;
  return /\bpay_[0-9a-z]+\b/.exec(error.problem.detail ?? '')?.[0] ?? null;
}

// --- Remembered while the page reloads ---

export const PAYMENT_STORAGE_PREFIX = 'setrag.payment.';

export function rememberedPaymentText(id: string, method: PaymentMethod, now: number): string {
  return JSON.stringify({ id, method, at: now });
}

/** The payment this tab started for the booking, if recent enough to be still followed. */
export function rememberedPayment(
  text: string | null,
  now: number,
  maxAgeMs: number = GIVE_UP_AFTER_MS,
): { id: string; method: PaymentMethod } | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as { id?: unknown; method?: unknown; at?: unknown };
    if (typeof value.id !== 'string' || typeof value.method !== 'string' || typeof value.at !== 'number') return null;
    if (!isPaymentMethod(value.method) || now - value.at > maxAgeMs) return null;
    return { id: value.id, method: value.method };
  } catch {
    return null;
  }
}
