// Whether a booking's refund is to be collected in cash at a counter. Card payments (and cash ones) cannot be paid
// back through the aggregator: payments marks their refund `manual` and an agent hands the cash over. Booking's own
// answer does not say how the booking was paid, so the app remembers, on this device, the payment it started for each
// booking (`setrag.payment.{PNR}`) and asks that payment (`GET /api/v1/payments/{id}`, which lists its refunds). Pure
// apart from the storage helpers, which never throw.
import type { Payment } from './api/types';

export const PAYMENT_KEY_PREFIX = 'setrag.payment.';

function local(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    return null;
  }
}

/** The last payment started (or followed back from the card page) for the booking on this device. */
export function rememberPaymentOf(pnr: string, paymentId: string): void {
  try {
    local()?.setItem(PAYMENT_KEY_PREFIX + pnr, paymentId);
  } catch {
    // a full or refused storage: the page just won't know where the refund is collected
  }
}

export function paymentOf(pnr: string): string | null {
  try {
    const id = local()?.getItem(PAYMENT_KEY_PREFIX + pnr) ?? null;
    return id && /^pay_[\w-]+$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** The cash owed at a counter by the payment's refunds (`manual`, not paid yet), in XAF; 0 when none. */
export function cashRefundOwed(payment: Pick<Payment, 'refunds'> | null | undefined): number {
  if (!payment || !Array.isArray(payment.refunds)) return 0;
  return payment.refunds
    .filter((r) => r && r.status === 'manual' && !r.paidAt && typeof r.amount === 'number' && r.amount > 0)
    .reduce((sum, r) => sum + r.amount, 0);
}
