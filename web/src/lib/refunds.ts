// A booking's refunds as payments lists them (`GET /api/v1/payments/refunds?pnr=`), read defensively: shared by the
// traveller's booking page and the agent's counter refunds. Pure.

/** pending (going back to a wallet), succeeded (paid back), failed, unknown (being checked), manual (owed in cash). */
export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'unknown' | 'manual';

export interface Refund {
  /** `RFD-ABC234-…`. */
  reference: string;
  pnr: string;
  /** XAF. */
  amount: number;
  /** `cancellation`, `trip-cancelled`, `exchange`, … (shown as it came when the app does not know it). */
  reason: string;
  status: RefundStatus | 'other';
  /** How the booking was paid: `card`, `cash`, `airtel_money`, `moov_money`. */
  method: string;
  createdAt: string;
  paidAt: string | null;
  /** The agent who handed the cash over. */
  paidBy: string | null;
}

export interface RefundList {
  pnr: string;
  refunds: Refund[];
}

const STATUSES: readonly string[] = ['pending', 'succeeded', 'failed', 'unknown', 'manual'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const amountOf = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;

/** One refund, or null when it lacks what the screen needs (its reference, amount and status). */
export function parseRefund(body: unknown): Refund | null {
  if (!isObject(body)) return null;
  const reference = text(body.reference);
  const amount = amountOf(body.amount);
  const status = text(body.status);
  if (!reference || amount === null || !status) return null;
  return {
    reference,
    pnr: text(body.pnr) ?? '',
    amount,
    reason: text(body.reason) ?? '',
    status: STATUSES.includes(status) ? (status as RefundStatus) : 'other',
    method: text(body.method) ?? '',
    createdAt: text(body.createdAt) ?? '',
    paidAt: text(body.paidAt),
    paidBy: text(body.paidBy),
  };
}

/** `GET /api/v1/payments/refunds?pnr=`: the booking's refunds, oldest first; null for an answer of another shape. */
export function parseRefundList(body: unknown): RefundList | null {
  if (!isObject(body) || !Array.isArray(body.refunds)) return null;
  const refunds = body.refunds.map(parseRefund).filter((r): r is Refund => r !== null);
  refunds.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { pnr: text(body.pnr) ?? '', refunds };
}
