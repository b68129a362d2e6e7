// Refunds paid in cash at a counter, and the agent's till of the day. Card refunds (and those of cash payments)
// cannot go back through the aggregator: payments owes them (`manual`) and an agent hands the cash over against the
// booking's reference. Answers are read defensively; pure: no DOM, no i18n.
import { problemCode } from '../../lib/api';
import { addDays, localIsoDate } from '../../lib/format';
import type { RequestError } from '../../lib/useRequest';

export { parseRefund, parseRefundList, type Refund, type RefundList, type RefundStatus } from '../../lib/refunds';
import type { Refund, RefundList } from '../../lib/refunds';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const amountOf = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;

/** What the agent can do about a refund. */
export type RefundView =
  /** Owed in cash: the agent may hand it over. */
  | 'cash-due'
  /** Paid back (in cash at a counter, or to the wallet). */
  | 'paid'
  /** On its way back to the customer's mobile-money wallet (or being checked): nothing to pay at the counter. */
  | 'to-wallet'
  | 'failed';

export function refundView(refund: Pick<Refund, 'status' | 'paidAt'>): RefundView {
  switch (refund.status) {
    case 'manual':
      return refund.paidAt ? 'paid' : 'cash-due';
    case 'succeeded':
      return 'paid';
    case 'failed':
      return 'failed';
    default:
      return 'to-wallet';
  }
}

/** What the counter still owes the customer in cash, in XAF. */
export function cashDue(refunds: readonly Refund[]): number {
  return refunds.filter((r) => refundView(r) === 'cash-due').reduce((sum, r) => sum + r.amount, 0);
}

/** The refund once paid in cash (the answer of `POST …/cash`), put in its place in the list. */
export function withRefund(list: RefundList, paid: Refund): RefundList {
  return { ...list, refunds: list.refunds.map((r) => (r.reference === paid.reference ? paid : r)) };
}

export type RefundError =
  /** 409: not owed in cash (paid meanwhile, or going back to a wallet): the list is asked again. */
  | 'not-owed'
  | 'unknown'
  | 'invalid'
  | 'not-allowed'
  | 'signed-out'
  | 'session-expired'
  | 'too-many-requests'
  | 'network'
  | 'timeout'
  | 'unexpected';

/** A failed list, payment or till as a message for the agent. */
export function refundError(error: RequestError): RefundError {
  if (error.kind === 'network') return 'network';
  if (error.kind === 'timeout') return 'timeout';
  if (error.kind === 'unexpected') return 'unexpected';
  if (problemCode(error.problem) === 'csrf') return 'session-expired';
  switch (error.status) {
    case 409:
      return 'not-owed';
    case 404:
      return 'unknown';
    case 400:
    case 422:
      return 'invalid';
    case 401:
      return 'signed-out';
    case 403:
      return 'not-allowed';
    case 429:
      return 'too-many-requests';
    default:
      return 'unexpected';
  }
}

// --- The till ---

export interface TillLine {
  pnr: string;
  amount: number;
  /** When the cash was taken or handed over. */
  at: string;
}

/** `GET /api/v1/payments/till?date=`: the cash the signed-in agent took and handed back that day. */
export interface Till {
  date: string;
  /** Cash taken: how many payments, how much. */
  count: number;
  total: number;
  payments: TillLine[];
  /** Refunds paid in cash; null from a server that does not say (before refunds were paid at counters). */
  refundCount: number | null;
  refundTotal: number | null;
  refunds: TillLine[];
  /** What the drawer should hold: taken − handed back. */
  net: number;
}

function tillLines(value: unknown, at: 'createdAt' | 'paidAt'): TillLine[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isObject)
    .filter((line) => line.status === undefined || line.status === 'succeeded')
    .map((line) => ({ pnr: text(line.pnr) ?? '', amount: amountOf(line.amount) ?? 0, at: text(line[at]) ?? '' }))
    .sort((a, b) => a.at.localeCompare(b.at));
}

export function parseTill(body: unknown): Till | null {
  if (!isObject(body)) return null;
  const total = amountOf(body.total);
  const count = amountOf(body.count);
  if (total === null || count === null) return null;
  const refundTotal = amountOf(body.refundTotal);
  const net = typeof body.net === 'number' && Number.isInteger(body.net) ? body.net : total - (refundTotal ?? 0);
  return {
    date: text(body.date) ?? '',
    count,
    total,
    payments: tillLines(body.payments, 'createdAt'),
    refundCount: amountOf(body.refundCount),
    refundTotal,
    refunds: tillLines(body.refunds, 'paidAt'),
    net,
  };
}

/** The day the till shows: today in Libreville, or the day before (a shift that ended after midnight). */
export function tillDays(now: Date = new Date()): { today: string; yesterday: string } {
  const today = localIsoDate(now);
  return { today, yesterday: addDays(today, -1) };
}
