import { useEffect, useState } from 'react';
import { useLang, useT } from '../../../i18n';
import { isSingular } from '../../../i18n/lang';
import { formatDayDate, formatMoneyXAF, formatTime, localIsoDate } from '../../../lib/format';
import { useRequest } from '../../../lib/useRequest';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { SignInLink } from '../../../ui/SignInLink';
import { getBooking } from '../api/getBooking';
import { listBookings } from '../api/listBookings';
import type { BookingSummary, OperatorCancellation } from '../api/types';
import { newestFirst, secondsLeft, statusTone, waitsForPayment } from '../hold';
import { bookingsToLookUp, operatorCancellation } from '../tripCancelled';
import { CLASS_NAMES, STATUS_NAMES, named } from './labels';

/** `/bookings`: the signed-in traveller's bookings, newest first, each opening its page. */
export function BookingsPage() {
  const t = useT();
  const state = useRequest('bookings', (signal) => listBookings(signal));
  const cancelled = useTripsCancelled(state.status === 'done' ? state.data.bookings : null);
  const title = t('bookings.list.title');

  if (state.status !== 'done') {
    const signedOut = state.status === 'failed' && state.error.kind === 'problem' && state.error.status === 401;
    return (
      <>
        <PageTitle>{title}</PageTitle>
        {signedOut ? (
          <>
            <Notice tone="info">{t('bookings.list.signedOut')}</Notice>
            <SignInLink className="button" returnTo="/bookings" />
          </>
        ) : (
          <RequestStatus state={state} loadingText={t('bookings.list.loading')} onRetry={state.retry} />
        )}
      </>
    );
  }

  const bookings = newestFirst(state.data.bookings);
  return (
    <>
      <PageTitle>{title}</PageTitle>
      {bookings.length === 0 ? (
        <>
          <p>{t('bookings.list.empty')}</p>
          <p>
            <Link className="button" to="/trips">
              {t('bookings.list.findTrain')}
            </Link>
          </p>
        </>
      ) : (
        <ul className="booking-list">
          {bookings.map((booking) => (
            <BookingCard
              key={booking.pnr}
              booking={booking}
              cancelledBySetrag={operatorCancellation(booking.operatorCancellation) ?? cancelled[booking.pnr] ?? null}
            />
          ))}
        </ul>
      )}
    </>
  );
}

/**
 * Which of the listed confirmed bookings SETRAG cancelled the train of, by PNR. Booking's list does not say: each
 * one's page is read (a few, after the list shows; a failure leaves the card as the list says).
 */
function useTripsCancelled(bookings: readonly BookingSummary[] | null): Record<string, OperatorCancellation> {
  const [found, setFound] = useState<Record<string, OperatorCancellation>>({});
  const pnrs = bookings ? bookingsToLookUp(newestFirst(bookings)).join(',') : '';
  useEffect(() => {
    if (pnrs === '') return;
    const controller = new AbortController();
    for (const pnr of pnrs.split(',')) {
      void getBooking(pnr, controller.signal).then((result) => {
        const cancellation = result.ok ? operatorCancellation(result.data.operatorCancellation) : null;
        if (cancellation && !controller.signal.aborted) setFound((known) => ({ ...known, [pnr]: cancellation }));
      });
    }
    return () => controller.abort();
  }, [pnrs]);
  return found;
}

function BookingCard({
  booking,
  cancelledBySetrag,
}: {
  booking: BookingSummary;
  cancelledBySetrag: OperatorCancellation | null;
}) {
  const t = useT();
  const lang = useLang();
  const now = Date.now();
  const route = t('bookings.common.route', { from: booking.from.name, to: booking.to.name });
  const travellers = t(isSingular(booking.passengerCount, lang) ? 'bookings.list.passengersOne' : 'bookings.list.passengersMany', {
    count: booking.passengerCount,
  });
  return (
    <li className="booking-card">
      <h2 className="booking-card__title">
        <Link to={`/bookings/${encodeURIComponent(booking.pnr)}`}>
          {route}
          <span className="visually-hidden">, {t('bookings.list.reference', { pnr: booking.pnr })}</span>
        </Link>
      </h2>
      <p>
        {formatDayDate(localIsoDate(booking.from.departure), lang)}
        {', '}
        <time dateTime={booking.from.departure}>{formatTime(booking.from.departure, lang)}</time>
        {' · '}
        {t('bookings.common.train', { number: booking.trip.trainNumber })}
      </p>
      <p>
        {named(CLASS_NAMES, booking.class, t)} · {travellers} · {formatMoneyXAF(booking.total)}
      </p>
      <p className="booking-card__status">
        {cancelledBySetrag && booking.status === 'confirmed' ? (
          <>
            <span className="status-tag status-tag--error">{t('bookings.status.tripCancelled')}</span>
            {cancelledBySetrag.options.length > 0 ? <span> · {t('bookings.tripCancelled.listChoice')}</span> : null}
          </>
        ) : (
          <span className={`status-tag status-tag--${statusTone(booking.status)}`}>
            {named(STATUS_NAMES, booking.status, t)}
          </span>
        )}
        {waitsForPayment(booking.status) && booking.holdExpiresAt && secondsLeft(booking.holdExpiresAt, now) > 0 ? (
          <span> {t('bookings.list.payBefore', { time: formatTime(booking.holdExpiresAt, lang) })}</span>
        ) : null}
      </p>
      <p className="booking-card__pnr" aria-hidden="true">
        {t('bookings.list.reference', { pnr: booking.pnr })}
      </p>
    </li>
  );
}
