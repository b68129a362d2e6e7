import { useEffect, useRef, useState } from 'react';
import { useT, type TKey } from '../../../i18n';
import { formatMoneyXAF } from '../../../lib/format';
import { isProblem } from '../../../lib/api';
import { keyForAttempt } from '../../../lib/ids';
import { sendWithTimeLimit, type RequestError } from '../../../lib/useRequest';
import { Notice } from '../../../ui/Notice';
import { cancelBooking } from '../api/cancelBooking';
import type { Booking } from '../api/types';

type CancelError = 'departed' | 'state' | 'network' | 'timeout' | 'too-many-requests' | 'unexpected';

const MESSAGES: Record<CancelError, TKey> = {
  departed: 'bookings.cancel.errors.departed',
  state: 'bookings.cancel.errors.state',
  network: 'bookings.cancel.errors.network',
  timeout: 'bookings.cancel.errors.network',
  'too-many-requests': 'ui.errors.tooManyRequests',
  unexpected: 'ui.errors.unexpected',
};

function cancelError(error: RequestError): CancelError {
  if (error.kind === 'network' || error.kind === 'timeout') return error.kind;
  if (error.kind === 'unexpected') return 'unexpected';
  if (isProblem(error, 'trip-departed')) return 'departed';
  if (isProblem(error, 'booking-state')) return 'state';
  if (error.status === 429) return 'too-many-requests';
  return 'unexpected';
}

interface Props {
  booking: Booking;
  onCancelled: (booking: Booking) => void;
  /** The booking is not what the page shows any more (paid, cancelled elsewhere): ask for it again. */
  onBookingChanged: () => void;
  /** SETRAG cancelled the train: cancelling is the full refund it offers, without fee. */
  fullRefund?: boolean;
  /** Changed (a counter) to open the question from elsewhere on the page. */
  openRequest?: number;
}

/**
 * "Annuler la réservation", asked twice; the answer says what is refunded. When SETRAG cancelled the train, the same
 * step is its full refund ("Être remboursé intégralement").
 */
export function CancelPanel({ booking, onCancelled, onBookingChanged, fullRefund = false, openRequest = 0 }: Props) {
  const t = useT();
  const [asking, setAsking] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<CancelError | null>(null);
  const attempt = useRef<{ key: string; request: string } | null>(null);
  const question = useRef<HTMLParagraphElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);

  useEffect(() => {
    if (openRequest === 0) return;
    setAsking(true);
    question.current?.focus(); // already asking: the question again (otherwise once it shows)
  }, [openRequest]);

  useEffect(() => {
    if (asking) question.current?.focus();
    else if (asked.current) opener.current?.focus();
    asked.current = asking;
  }, [asking]);

  async function cancel() {
    if (sending) return;
    setError(null);
    attempt.current = keyForAttempt(attempt.current, booking.pnr);
    const key = attempt.current.key;
    setSending(true);
    const result = await sendWithTimeLimit((signal) => cancelBooking(booking.pnr, key, signal));
    setSending(false);
    if (result.ok) {
      onCancelled(result.data);
      return;
    }
    const code = cancelError(result.error);
    if (code !== 'network' && code !== 'timeout') attempt.current = null;
    if (code === 'state') onBookingChanged();
    setError(code);
  }

  const paid = booking.status === 'confirmed';
  const amount = formatMoneyXAF(booking.total);
  let text: string;
  if (fullRefund) text = t('bookings.cancel.fullRefundText', { amount });
  else text = t(paid ? 'bookings.cancel.paidText' : 'bookings.cancel.unpaidText');
  return (
    <section className="cancel" aria-labelledby="cancel-title">
      <h2 id="cancel-title">{t(fullRefund ? 'bookings.cancel.fullRefundTitle' : 'bookings.cancel.title')}</h2>
      {error ? <Notice tone="error">{t(MESSAGES[error])}</Notice> : null}
      {asking ? (
        <div className="cancel__confirm">
          <p ref={question} tabIndex={-1} className="cancel__question">
            {t(fullRefund ? 'bookings.cancel.fullRefundQuestion' : 'bookings.cancel.question')}
          </p>
          <p>{text}</p>
          <p className="actions">
            <button
              type="button"
              className="button button--danger"
              disabled={sending}
              aria-busy={sending || undefined}
              onClick={() => void cancel()}
            >
              {sending
                ? t('bookings.cancel.sending')
                : fullRefund
                  ? t('bookings.cancel.fullRefundConfirm', { amount })
                  : t('bookings.cancel.confirm')}
            </button>
            <button type="button" className="button button--secondary" onClick={() => setAsking(false)}>
              {t('bookings.cancel.keep')}
            </button>
          </p>
        </div>
      ) : (
        <p>
          <button ref={opener} type="button" className="button button--secondary" onClick={() => setAsking(true)}>
            {t(fullRefund ? 'bookings.cancel.fullRefundOpen' : 'bookings.cancel.open')}
          </button>
        </p>
      )}
    </section>
  );
}
