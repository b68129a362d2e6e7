// A refund owed in cash, and how the traveller chooses to get it. A card refund (or a cash payment's) cannot go back
// through the aggregator: payments owes it (`manual`). The traveller either names an Airtel Money or Moov Money number
// (`POST /api/v1/payments/refunds/{reference}/wallet`, the aggregator's payout) or collects it in cash at a counter.
// The booking's refunds come from `GET /api/v1/payments/refunds?pnr=`, which a customer may read for their own
// payments on any device. Pure: no DOM, no i18n, no timers.
import { isProblem, problemCode } from '../../lib/api';
import { mobileOperator, normalizeGabonPhone, type MobileOperator } from '../../lib/format';
import type { Refund } from '../../lib/refunds';
import type { RequestError } from '../../lib/useRequest';

/** What the traveller sees of one refund. */
export type RefundState =
  /** Owed in cash (`manual`, not paid yet): choose a wallet or a counter. */
  | 'owed'
  /** On its way back (to a wallet, or being checked with the aggregator). */
  | 'on-its-way'
  /** Paid back. */
  | 'paid'
  /** The payout failed: SETRAG's staff take it up. */
  | 'failed';

export function refundState(refund: Pick<Refund, 'status' | 'paidAt'>): RefundState {
  switch (refund.status) {
    case 'manual':
      return refund.paidAt ? 'paid' : 'owed';
    case 'succeeded':
      return 'paid';
    case 'failed':
      return 'failed';
    default:
      return 'on-its-way';
  }
}

/** The cash owed (`manual`, not paid yet) by a booking's refunds, in XAF; 0 when none. */
export function cashRefundOwed(refunds: readonly Pick<Refund, 'status' | 'paidAt' | 'amount'>[] | null | undefined) {
  if (!Array.isArray(refunds)) return 0;
  return refunds.filter((r) => refundState(r) === 'owed' && r.amount > 0).reduce((sum, r) => sum + r.amount, 0);
}

/**
 * Whether the list is worth asking again a moment later: payments records the refund a moment after booking's
 * cancellation, so an empty list right after it may still fill.
 */
export function refundsMayStillCome(refunds: readonly Refund[]): boolean {
  return refunds.length === 0;
}

/** Whether the booking may still change by itself: a refund on its way (the page asks for the booking again). */
export function refundMoving(refunds: readonly Pick<Refund, 'status' | 'paidAt'>[]): boolean {
  return refunds.some((r) => refundState(r) === 'on-its-way');
}

export type WalletFieldCode = 'required' | 'invalid-phone';

/** The number must be a Gabonese mobile (Airtel 074/077, Moov 062/065/066), as the payment form checks it. */
export function validateWalletNumber(phone: string): WalletFieldCode | null {
  if (phone.trim() === '') return 'required';
  if (normalizeGabonPhone(phone) === null) return 'invalid-phone';
  return null;
}

/** The wallet a valid number belongs to (for "Moov Money" in the confirmation), null otherwise. */
export function walletOf(phone: string): MobileOperator | null {
  return mobileOperator(phone);
}

/** The body of `POST …/wallet`: the number in E.164 when it is a mobile one, else as typed (the server says why). */
export function walletBody(phone: string): { msisdn: string } {
  return { msisdn: normalizeGabonPhone(phone) ?? phone.trim() };
}

export type WalletFormError =
  /** 409: no longer owed in cash (paid at a counter meanwhile, or already sent): the list is asked again. */
  | 'not-owed'
  /** 404: the refund is unknown (the list is asked again). */
  | 'unknown'
  | 'invalid'
  | 'signed-out'
  | 'session-expired'
  | 'too-many-requests'
  | 'unavailable'
  | 'network'
  | 'timeout'
  | 'unexpected';

/** A failed `POST …/wallet` as a message next to the number, or about the refund. */
export function walletErrors(error: RequestError): { field?: WalletFieldCode; form?: WalletFormError } {
  if (error.kind === 'network') return { form: 'network' };
  if (error.kind === 'timeout') return { form: 'timeout' };
  if (error.kind === 'unexpected') return { form: 'unexpected' };
  if (isProblem(error, 'csrf')) return { form: 'session-expired' };
  if (isProblem(error, 'refund-not-owed-in-cash') || error.status === 409) return { form: 'not-owed' };
  if (error.status === 404) return { form: 'unknown' };
  if (error.status === 401) return { form: 'signed-out' };
  if (error.status === 429) return { form: 'too-many-requests' };
  if (error.status === 502 || error.status === 503) return { form: 'unavailable' };
  if (error.status === 422 || error.status === 400 || problemCode(error.problem) === 'validation') {
    const msisdn = error.problem.errors?.find((item) => item.field === 'msisdn');
    if (msisdn) return { field: msisdn.code === 'required' ? 'required' : 'invalid-phone' };
    return { form: 'invalid' };
  }
  return { form: 'unexpected' };
}

/** Whether the same request may be sent again with the same `Idempotency-Key` (its answer was lost). */
export function keepsAttempt(error: RequestError): boolean {
  return error.kind === 'network' || error.kind === 'timeout';
}
