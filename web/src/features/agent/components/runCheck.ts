// One ticket check, the way a conductor needs it on a train: booking decides when it can be reached; otherwise the
// device checks the signature itself, says so, and queues the scan for booking.
import { problemCode } from '../../../lib/api';
import { sendWithTimeLimit } from '../../../lib/useRequest';
import { verifyTicket } from '../api/verifyTicket';
import { loadKeys, loadQueue, loadSeen, saveQueue, saveSeen } from '../deviceStore';
import { enqueue, rememberSeen } from '../scanQueue';
import { checkOffline, outcomeFromServer, unreadableOutcome, type CheckOutcome } from '../ticketCheck';
import { cleanCode, readTicketCode } from '../ticketCode';

/** How long a check waits for booking before the device decides alone (a train's network is slow). */
export const ONLINE_CHECK_MS = 8_000;

export interface CheckResult {
  outcome: CheckOutcome;
  /** The caller may not record checks (operators): only the device checked. */
  notRecorded: boolean;
  /** This browser has no WebCrypto (not a secure origin): an offline check is impossible. */
  noCrypto: boolean;
}

function remember(outcome: CheckOutcome): void {
  if (outcome.valid && outcome.ticket) {
    saveSeen(rememberSeen(loadSeen(), outcome.ticket.id, new Date(outcome.checkedAt).toISOString(), Date.now()));
  }
}

export async function runCheck(
  text: string,
  options: { tripId: number | null; online: boolean; stationName: (code: string) => string | undefined },
): Promise<CheckResult> {
  const code = cleanCode(text);
  const now = Date.now();
  const read = readTicketCode(code);
  if (!read.ok) return { outcome: unreadableOutcome(code, now), notRecorded: false, noCrypto: false };
  const payload = read.payload;
  let notRecorded = false;

  if (options.online) {
    const body = options.tripId != null ? { qr: code, tripId: options.tripId } : { qr: code };
    const result = await sendWithTimeLimit((signal) => verifyTicket(body, signal), ONLINE_CHECK_MS);
    if (result.ok) {
      const outcome = outcomeFromServer(result.data, payload, code, now, options.stationName);
      remember(outcome);
      return { outcome, notRecorded: false, noCrypto: false };
    }
    const error = result.error;
    if (error.kind === 'problem' && error.status === 422 && problemCode(error.problem) === 'validation') {
      return { outcome: unreadableOutcome(code, now), notRecorded: false, noCrypto: false };
    }
    notRecorded = error.kind === 'problem' && error.status === 403;
  }

  const subtle = typeof crypto !== 'undefined' ? crypto.subtle : undefined;
  if (!subtle) return { outcome: { ...unreadableOutcome(code, now), reason: 'unknown-key', offline: true, payload }, notRecorded, noCrypto: true };
  const outcome = await checkOffline(payload, code, {
    keys: loadKeys(),
    now,
    tripId: options.tripId,
    seenAt: loadSeen()[payload.ticketIdText] ?? null,
    subtle,
    stationName: options.stationName,
  });
  remember(outcome);
  // Booking is told later of every scan of a code it signed (or may have: a key this device lacks).
  if (!notRecorded && outcome.reason !== 'bad-signature') {
    const queued = saveQueue(
      enqueue(loadQueue(), {
        qr: code,
        tripId: options.tripId,
        checkedAt: now,
        ticketId: payload.ticketIdText,
        validOffline: outcome.valid,
      }),
    );
    return { outcome: { ...outcome, queued }, notRecorded, noCrypto: false };
  }
  return { outcome, notRecorded, noCrypto: false };
}
