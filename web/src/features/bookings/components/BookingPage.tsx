import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { useLang, useT } from '../../../i18n';
import {
  daysBetween,
  formatDayDate,
  formatMoneyXAF,
  formatPhoneNational,
  formatTime,
  localIsoDate,
} from '../../../lib/format';
import { navigate, useSearch } from '../../../lib/router';
import { useRequest } from '../../../lib/useRequest';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { SignInLink } from '../../../ui/SignInLink';
import { getBooking } from '../api/getBooking';
import type { Booking } from '../api/types';
import { formatRemaining, isCancellable, secondsLeft, statusTone, waitsForPayment } from '../hold';
import { useNow } from '../useNow';
import { isExchangeable } from '../exchange';
import { followsTrain } from '../liveStatus';
import { CancelPanel } from './CancelPanel';
import { LiveTrainStatus } from './LiveTrainStatus';
import { ExchangePanel } from './ExchangePanel';
import { CLASS_NAMES, PASSENGER_TYPES, named } from './labels';
import { PaymentPanel } from './PaymentPanel';
import { RefundChoice } from './RefundChoice';
import { TicketsPanel } from './TicketsPanel';
import { forgetTickets, loadTickets } from '../tickets';
import { refundPercent, tripCancelled, type TripCancelledView } from '../tripCancelled';

/** While a refund is on its way to a wallet: the booking is asked again this often, this many times (3 minutes). */
const REFUND_POLL_MS = 3_000;
const REFUND_POLLS = 60;

/**
 * `/bookings/W5GWPH` (and `?payment=pay_…` back from the card page): the booking's status in words, the time
 * left to pay, the payment, the journey, the travellers and their seats, the total, and cancelling.
 */
export function BookingPage({ pnr }: { pnr: string }) {
  // Another PNR (after an exchange) is another page: nothing of the previous booking's state carries over.
  return <BookingView key={pnr} pnr={pnr} />;
}

function BookingView({ pnr }: { pnr: string }) {
  const t = useT();
  const query = useSearch();
  const followPayment = new URLSearchParams(query).get('payment');
  const state = useRequest(`booking/${pnr}`, (signal) => getBooking(pnr, signal));
  const [fresh, setFresh] = useState<Booking | null>(null);
  const [paying, setPaying] = useState(false);
  const statusHeading = useRef<HTMLHeadingElement>(null);
  const [focusStatus, setFocusStatus] = useState(0);
  // The choices SETRAG offers when it cancelled the train open the exchange or the refund further down the page.
  const [exchangeRequest, setExchangeRequest] = useState(0);
  const [refundRequest, setRefundRequest] = useState(0);
  const lang = useLang();
  const booking = fresh ?? (state.status === 'done' ? state.data : null);
  const cancelledBySetrag = booking ? tripCancelled(booking, lang) : null;

  /** Asks for the booking again, in the background (the page stays as it is meanwhile). */
  const reload = useCallback(
    async (focus = false) => {
      // A few tries, a little apart: on a poor connection the news of a payment must still arrive.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 3_000));
        const result = await getBooking(pnr);
        if (result.ok) {
          setFresh(result.data);
          if (focus) setFocusStatus((n) => n + 1);
          return;
        }
        if (result.error.kind === 'problem' && result.error.status < 500 && result.error.status !== 429) return;
      }
    },
    [pnr],
  );

  useEffect(() => {
    if (focusStatus > 0) statusHeading.current?.focus();
  }, [focusStatus]);

  // A refund on its way to a wallet: the booking is asked again every few seconds, for a few minutes, until it says
  // "Remboursé" (the aggregator pays a payout within minutes; the page keeps what it shows meanwhile).
  const owesRefund = booking?.status === 'refund_pending' || booking?.status === 'refund_due';
  const [followRefund, setFollowRefund] = useState(0);
  useEffect(() => {
    if (followRefund === 0 || !owesRefund) return;
    let stopped = false;
    let asked = 0;
    const timer = setInterval(() => {
      asked += 1;
      if (asked > REFUND_POLLS) return clearInterval(timer);
      void getBooking(pnr).then((result) => {
        if (!stopped && result.ok) setFresh(result.data);
      });
    }, REFUND_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [followRefund, owesRefund, pnr]);

  // Back from the card page with a booking already settled: `?payment=` has nothing more to say.
  const settled = booking !== null && !waitsForPayment(booking.status);
  // Tickets kept for offline use go once the booking is no longer confirmed (cancelled, refunded), or its train is.
  const status = booking?.status;
  const ticketsVoid = status !== undefined && (status !== 'confirmed' || cancelledBySetrag !== null);
  useEffect(() => {
    if (ticketsVoid) forgetTickets(pnr);
  }, [ticketsVoid, pnr]);

  useEffect(() => {
    if (settled && followPayment) navigate(`/bookings/${encodeURIComponent(pnr)}`, { replace: true });
  }, [settled, followPayment, pnr]);

  const title = t('bookings.booking.title', { pnr });
  if (!booking) {
    const error = state.status === 'failed' ? state.error : null;
    let content;
    if (error?.kind === 'problem' && error.status === 401) {
      content = (
        <>
          <Notice tone="info">{t('bookings.booking.signedOut')}</Notice>
          <SignInLink className="button" returnTo={`/bookings/${pnr}${query}`} />
        </>
      );
    } else if (error?.kind === 'problem' && (error.status === 404 || error.status === 400)) {
      content = (
        <>
          <Notice tone="error">{t('bookings.booking.notFound')}</Notice>
          <p>
            <Link to="/bookings">{t('bookings.common.myBookings')}</Link>
          </p>
        </>
      );
    } else if (error && !(error.kind === 'problem' && error.status < 500) && loadTickets(pnr)) {
      // No network (or a server down): the tickets saved on this device still show, for boarding.
      content = <TicketsPanel pnr={pnr} initial={loadTickets(pnr)?.list} />;
    } else {
      content = <RequestStatus state={state} loadingText={t('bookings.booking.loading')} onRetry={state.retry} />;
    }
    return (
      <>
        <PageTitle>{title}</PageTitle>
        {content}
      </>
    );
  }

  return (
    <>
      <PageTitle>{title}</PageTitle>
      <StatusPanel
        booking={booking}
        cancelledBySetrag={cancelledBySetrag}
        headingRef={statusHeading}
        onHoldOver={() => void reload()}
        onExchange={() => setExchangeRequest((n) => n + 1)}
        onRefund={() => setRefundRequest((n) => n + 1)}
      />
      {owesRefund ? <RefundChoice booking={booking} onRefundMoving={() => setFollowRefund((n) => n + 1)} /> : null}
      {!cancelledBySetrag && followsTrain(booking, Date.now()) ? (
        <LiveTrainStatus key={booking.trip.id} booking={booking} />
      ) : null}
      {waitsForPayment(booking.status) ? (
        <PaymentPanel
          booking={booking}
          followPayment={followPayment}
          onWaitingChange={setPaying}
          onBookingChanged={() => void reload(true)}
        />
      ) : null}
      {booking.status === 'confirmed' && !cancelledBySetrag ? <TicketsPanel pnr={booking.pnr} /> : null}
      <BookingDetails booking={booking} />
      {!paying && isExchangeable(booking, Date.now()) ? (
        <ExchangePanel
          booking={booking}
          onExchanged={(made) => navigate(`/bookings/${encodeURIComponent(made.pnr)}`)}
          onBookingChanged={() => void reload(true)}
          free={cancelledBySetrag?.choices.includes('exchange') ?? false}
          openRequest={exchangeRequest}
        />
      ) : null}
      {!paying && isCancellable(booking, Date.now()) ? (
        <CancelPanel
          booking={booking}
          onCancelled={(cancelled) => {
            setFresh(cancelled);
            setFocusStatus((n) => n + 1);
          }}
          onBookingChanged={() => void reload(true)}
          fullRefund={cancelledBySetrag?.choices.includes('refund') ?? false}
          openRequest={refundRequest}
        />
      ) : null}
      <p className="aside">
        <Link to="/bookings">{t('bookings.common.myBookings')}</Link>
      </p>
    </>
  );
}

/**
 * The status in words, with the time left to pay while the seats are held. When SETRAG cancelled the train: that,
 * said first, with the choices it offers (a free exchange, a full refund) or what became of the booking.
 */
function StatusPanel({
  booking,
  cancelledBySetrag,
  headingRef,
  onHoldOver,
  onExchange,
  onRefund,
}: {
  booking: Booking;
  cancelledBySetrag: TripCancelledView | null;
  headingRef: RefObject<HTMLHeadingElement>;
  onHoldOver: () => void;
  onExchange: () => void;
  onRefund: () => void;
}) {
  const t = useT();
  const lang = useLang();
  const amount = formatMoneyXAF(booking.refundAmount ?? 0);
  const heading = (text: string) => (
    <h2 ref={headingRef} tabIndex={-1} className="booking-status__title">
      {text}
    </h2>
  );
  if (cancelledBySetrag && ['confirmed', 'cancelled', 'refund_pending', 'refunded'].includes(booking.status)) {
    const view = cancelledBySetrag;
    // Booking's own words while they still hold (choose, or nothing to pay); the app's once a choice was made.
    const told =
      view.message && booking.status !== 'refund_pending' && booking.status !== 'refunded' ? (
        <p className="booking-status__notice">{view.message}</p>
      ) : (
        <>
          <p className="booking-status__notice">
            {t('bookings.tripCancelled.text', {
              number: booking.trip.trainNumber,
              date: formatDayDate(booking.trip.serviceDate, lang),
            })}
          </p>
          {view.reason ? <p>{t('bookings.tripCancelled.reason', { reason: view.reason })}</p> : null}
        </>
      );
    let rest;
    if (booking.status === 'confirmed') {
      rest = (
        <>
          {!view.message && view.choices.length > 0 ? <p>{t('bookings.tripCancelled.choose')}</p> : null}
          <p>{t('bookings.tripCancelled.ticketsVoid')}</p>
          {view.choices.length > 0 ? (
            <ul className="trip-cancelled__choices" aria-label={t('bookings.tripCancelled.choices')}>
              {view.choices.includes('exchange') ? (
                <li>
                  <button type="button" className="button" onClick={onExchange}>
                    {t('bookings.tripCancelled.exchange')}
                  </button>
                  <p>{t('bookings.tripCancelled.exchangeHint')}</p>
                </li>
              ) : null}
              {view.choices.includes('refund') ? (
                <li>
                  <button type="button" className="button" onClick={onRefund}>
                    {t('bookings.tripCancelled.refund')}
                  </button>
                  <p>{t('bookings.tripCancelled.refundHint', { amount: formatMoneyXAF(booking.total) })}</p>
                </li>
              ) : null}
            </ul>
          ) : null}
        </>
      );
    } else if (booking.status === 'refund_pending') {
      const percent = refundPercent(booking);
      rest =
        percent !== null ? (
          <p className="booking-status__refund">{t('bookings.tripCancelled.refunded', { amount, percent })}</p>
        ) : (
          <p>{t('bookings.booking.refundText', { amount })}</p>
        );
    } else if (booking.status === 'refunded') {
      rest = <p className="booking-status__refund">{t('bookings.booking.refundedText', { amount })}</p>;
    } else if (!view.message) {
      rest = <p>{t('bookings.booking.cancelledNothingToRefund')}</p>;
    }
    const title =
      (booking.status === 'refund_pending' || booking.status === 'refunded') && refundPercent(booking) === 100
        ? t('bookings.tripCancelled.refundedTitle')
        : t('bookings.tripCancelled.title');
    return (
      <div className="booking-status booking-status--trip-cancelled" role="status">
        {heading(title)}
        {told}
        {rest}
      </div>
    );
  }
  let body;
  switch (booking.status) {
    case 'held':
    case 'awaiting_payment':
      body = (
        <>
          {heading(t('bookings.booking.awaitingTitle'))}
          {booking.exchange ? (
            <p>
              {t('bookings.booking.exchangeDue', {
                pnr: booking.exchange.of,
                amount: formatMoneyXAF(booking.amountDue ?? booking.exchange.amountDue),
              })}
            </p>
          ) : null}
          {booking.holdExpiresAt ? (
            <HoldCountdown expiresAt={booking.holdExpiresAt} onOver={onHoldOver} held={booking.status === 'held'} />
          ) : null}
        </>
      );
      break;
    case 'confirmed':
      body = (
        <>
          {heading(t('bookings.booking.confirmedTitle'))}
          <p>{t('bookings.booking.confirmedText')}</p>
          <p>{t('bookings.booking.ticketsHere')}</p>
        </>
      );
      break;
    case 'cancelled':
      body = (
        <>
          {heading(t('bookings.booking.cancelledTitle'))}
          <p>
            {booking.refundAmount
              ? t('bookings.booking.refundText', { amount })
              : t('bookings.booking.cancelledNothingToRefund')}
          </p>
        </>
      );
      break;
    case 'refund_pending':
      body = (
        <>
          {heading(t('bookings.booking.refundPendingTitle'))}
          <p>{t('bookings.booking.refundText', { amount })}</p>
        </>
      );
      break;
    case 'refund_due':
      body = (
        <>
          {heading(t('bookings.booking.refundDueTitle'))}
          <p>{t('bookings.booking.refundDueText', { amount })}</p>
        </>
      );
      break;
    case 'exchanged':
      body = (
        <>
          {heading(t('bookings.booking.exchangedTitle'))}
          <p>{t('bookings.booking.exchangedText')}</p>
          {booking.refundAmount ? <p>{t('bookings.booking.refundText', { amount })}</p> : null}
          {booking.exchangedTo ? (
            <p>
              <Link className="button" to={`/bookings/${booking.exchangedTo}`}>
                {t('bookings.booking.exchangedLink', { pnr: booking.exchangedTo })}
              </Link>
            </p>
          ) : null}
        </>
      );
      break;
    case 'refunded':
      body = (
        <>
          {heading(t('bookings.booking.refundedTitle'))}
          <p className="booking-status__refund">
            {(booking.refundedAmount ?? booking.refundAmount) != null
              ? t('bookings.booking.refundedText', {
                  amount: formatMoneyXAF(booking.refundedAmount ?? booking.refundAmount ?? 0),
                })
              : t('bookings.booking.refundedDone')}
          </p>
        </>
      );
      break;
    case 'expired':
      body = (
        <>
          {heading(t('bookings.booking.expiredTitle'))}
          <p>{t('bookings.booking.expiredText')}</p>
          <p>
            <Link className="button button--secondary" to="/trips">
              {t('bookings.common.newSearch')}
            </Link>
          </p>
        </>
      );
      break;
    default:
      body = heading(String(booking.status));
  }
  return (
    <div className={`booking-status booking-status--${statusTone(booking.status)}`} role="status">
      {body}
    </div>
  );
}

/** "Places réservées jusqu'à 14h05", and the minutes and seconds left, every second. */
function HoldCountdown({ expiresAt, onOver, held = false }: { expiresAt: string; onOver: () => void; held?: boolean }) {
  const t = useT();
  const lang = useLang();
  const now = useNow(1000);
  const left = secondsLeft(expiresAt, now);
  const over = left === 0;
  const onOverRef = useRef(onOver);
  onOverRef.current = onOver;
  useEffect(() => {
    if (!over) return;
    // The server lets the seats go a moment later (or takes a payment made at the last second): ask again
    // until the booking says what became of it.
    const timer = setInterval(() => onOverRef.current(), 10_000);
    return () => clearInterval(timer);
  }, [over]);
  if (over) return <p className="booking-status__hold">{t('bookings.booking.holdOver')}</p>;
  return (
    <>
      <p className="booking-status__hold">
        {t(held ? 'bookings.booking.heldUntilChoose' : 'bookings.booking.heldUntil', {
          time: formatTime(expiresAt, lang),
        })}
      </p>
      {/* Not announced every second: the time above says it once. */}
      <p className="booking-status__left" aria-hidden="true">
        {t('bookings.booking.timeLeft', { left: formatRemaining(left) })}
      </p>
    </>
  );
}

/** Journey, travellers with their seats and fares, total, contact phone. */
function BookingDetails({ booking }: { booking: Booking }) {
  const t = useT();
  const lang = useLang();
  return (
    <>
      <section aria-labelledby="booking-journey-title" className="booking-section">
        <h2 id="booking-journey-title">{t('bookings.booking.journeyTitle')}</h2>
        <p className="booking-journey__route">
          {t('bookings.common.route', { from: booking.from.name, to: booking.to.name })}
        </p>
        <p>
          {formatDayDate(localIsoDate(booking.from.departure), lang)}
          {', '}
          <time dateTime={booking.from.departure}>{formatTime(booking.from.departure, lang)}</time>
          <span aria-hidden="true"> → </span>
          <span className="visually-hidden"> – </span>
          <time dateTime={booking.to.arrival}>{formatTime(booking.to.arrival, lang)}</time>
          {daysBetween(booking.from.departure, booking.to.arrival) > 0 ? (
            <span className="muted">
              {' '}
              {t('bookings.booking.arrivesOn', { date: formatDayDate(localIsoDate(booking.to.arrival), lang) })}
            </span>
          ) : null}
        </p>
        <p>
          {t('bookings.common.train', { number: booking.trip.trainNumber })} ·{' '}
          {named(CLASS_NAMES, booking.class, t)}
        </p>
      </section>
      <section aria-labelledby="booking-passengers-title" className="booking-section">
        <h2 id="booking-passengers-title">{t('bookings.booking.passengersTitle')}</h2>
        <ul className="booked-passengers">
          {booking.passengers.map((passenger, index) => (
            <li key={index} className="booked-passenger">
              <p className="booked-passenger__name">{passenger.name}</p>
              <p>
                {named(PASSENGER_TYPES, passenger.type, t)}
                {' · '}
                {passenger.seat
                  ? t('bookings.booking.seat', { coach: passenger.seat.coach, seat: passenger.seat.seat })
                  : t('bookings.booking.onLap')}
              </p>
              {passenger.idNumber ? (
                <p className="muted">{t('bookings.booking.idNumber', { number: passenger.idNumber })}</p>
              ) : null}
              <p className="booked-passenger__fare">
                {passenger.fare === 0 ? t('bookings.booking.free') : formatMoneyXAF(passenger.fare)}
              </p>
            </li>
          ))}
        </ul>
        <p className="booking-total">
          {t('bookings.booking.total')} <strong>{formatMoneyXAF(booking.total)}</strong>
        </p>
        {booking.exchange ? (
          <p className="muted">
            {t('bookings.booking.exchangeOf', {
              pnr: booking.exchange.of,
              credit: formatMoneyXAF(booking.exchange.credit),
              fee: formatMoneyXAF(booking.exchange.fee),
            })}
          </p>
        ) : null}
        <p>
          {t('bookings.booking.contactPhone')} {formatPhoneNational(booking.contactPhone)}
        </p>
      </section>
    </>
  );
}
