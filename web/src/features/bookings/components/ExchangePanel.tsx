import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import {
  formatDayDate,
  formatIsoDate,
  formatMoneyXAF,
  formatTime,
  localIsoDate,
  todayInLibreville,
} from '../../../lib/format';
import { keyForAttempt } from '../../../lib/ids';
import { sendWithTimeLimit, useRequest } from '../../../lib/useRequest';
import { Notice } from '../../../ui/Notice';
import { CalendarIcon } from '../../../ui/CalendarIcon';
import { parseDateInput } from '../../../ui/calendar';
import { DateCalendar, trainDates } from '../../../ui/DateCalendar';
import { RequestStatus } from '../../../ui/RequestStatus';
import { TextField } from '../../../ui/TextField';
import { exchangeBooking } from '../api/exchangeBooking';
import { getExchangeQuote } from '../api/getExchangeQuote';
import { searchTripChoices } from '../api/searchTripChoices';
import type { Booking, TravelClass } from '../api/types';
import {
  exchangeChoices,
  exchangeOutcome,
  quoteError,
  seatedCount,
  type ExchangeError,
} from '../exchange';
import { CLASS_NAMES, named } from './labels';

/** The days with a train on the booking's journey, for the whole visit: each month is asked once. */

const MESSAGES: Record<ExchangeError, TKey> = {
  departed: 'bookings.exchange.errors.departed',
  'chosen-departed': 'bookings.exchange.errors.chosenDeparted',
  state: 'bookings.exchange.errors.state',
  seats: 'bookings.exchange.errors.seats',
  invalid: 'bookings.exchange.errors.invalid',
  network: 'bookings.exchange.errors.network',
  'too-many-requests': 'ui.errors.tooManyRequests',
  unexpected: 'ui.errors.unexpected',
};

interface Props {
  booking: Booking;
  /** The exchange was made: the new booking (to pay, or confirmed). */
  onExchanged: (booking: Booking) => void;
  /** The booking is not what the page shows any more: ask for it again. */
  onBookingChanged: () => void;
  /** SETRAG cancelled the train: the exchange is free (booking charges no fee). */
  free?: boolean;
  /** Changed (a counter) to open the form from elsewhere on the page. */
  openRequest?: number;
}

/**
 * "Échanger": another date, train or class for the same journey; the new fare, what was paid, the fee and the
 * difference; then the exchange. When money is due the new booking's page asks for it (the payment step).
 */
export function ExchangePanel({ booking, onExchanged, onBookingChanged, free = false, openRequest = 0 }: Props) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const opened = useRef(false);

  useEffect(() => {
    if (openRequest === 0) return;
    setOpen(true);
    heading.current?.focus();
  }, [openRequest]);

  useEffect(() => {
    if (open) heading.current?.focus();
    else if (opened.current) opener.current?.focus();
    opened.current = open;
  }, [open]);

  return (
    <section className="exchange" aria-labelledby="exchange-title">
      <h2 id="exchange-title" ref={heading} tabIndex={-1}>
        {t('bookings.exchange.title')}
      </h2>
      {open ? (
        <ExchangeForm booking={booking} onExchanged={onExchanged} onBookingChanged={onBookingChanged} free={free}
          onClose={() => setOpen(false)} />
      ) : (
        <p>
          <button ref={opener} type="button" className="button button--secondary" onClick={() => setOpen(true)}>
            {t('bookings.exchange.open')}
          </button>
        </p>
      )}
    </section>
  );
}

function ExchangeForm({ booking, onExchanged, onBookingChanged, free, onClose }: Props & { onClose: () => void }) {
  const t = useT();
  const lang = useLang();
  const dateId = useId();
  const today = todayInLibreville();
  // Typed as the traveller writes it (`24/11/2026`, `24112026`, `24/11`) or picked in the calendar.
  const [dateText, setDateText] = useState(() => {
    const booked = localIsoDate(booking.from.departure);
    return formatIsoDate(booked >= today ? booked : today);
  });
  const [dateTouched, setDateTouched] = useState(false);
  const [calendarOpen, setCalendarOpen] = useState(false);
  const calendarButton = useRef<HTMLButtonElement>(null);
  const closeCalendar = useCallback((returnFocus: boolean) => {
    setCalendarOpen(false);
    if (returnFocus) calendarButton.current?.focus();
  }, []);
  const date = parseDateInput(dateText, today) ?? '';
  const setDate = (iso: string) => {
    setDateText(formatIsoDate(iso));
    setChoiceId(null);
  };
  const [choiceId, setChoiceId] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<ExchangeError | null>(null);
  const attempt = useRef<{ key: string; request: string } | null>(null);

  const validDate = date !== '' && date >= today;
  const search = useRequest(validDate ? `exchange-trips/${booking.pnr}/${date}` : null, (signal) =>
    searchTripChoices(
      { from: booking.from.code, to: booking.to.code, date, passengers: Math.max(1, seatedCount(booking)) },
      signal,
    ),
  );
  const choices = search.status === 'done' ? exchangeChoices(search.data, booking, Date.now()) : [];
  const choice = choices.find((c) => c.id === choiceId) ?? null;
  const quote = useRequest(choice ? `exchange-quote/${booking.pnr}/${choice.id}` : null, (signal) =>
    getExchangeQuote(booking.pnr, { tripId: choice!.tripId, class: choice!.class }, signal),
  );

  async function confirm() {
    if (!choice || sending) return;
    setError(null);
    const exchange = { tripId: choice.tripId, class: choice.class as TravelClass };
    attempt.current = keyForAttempt(attempt.current, `${booking.pnr}:${choice.id}`);
    const key = attempt.current.key;
    setSending(true);
    const result = await sendWithTimeLimit((signal) => exchangeBooking(booking.pnr, exchange, key, signal));
    setSending(false);
    if (result.ok) {
      onExchanged(result.data);
      return;
    }
    const code = quoteError(result.error, booking, Date.now());
    if (code !== 'network') attempt.current = null;
    if (code === 'state' || code === 'departed') onBookingChanged();
    setError(code);
  }

  const outcome = quote.status === 'done' ? exchangeOutcome(quote.data) : null;
  return (
    <div className="exchange__form">
      <p>
        {t(free ? 'bookings.exchange.introFree' : 'bookings.exchange.intro', {
          from: booking.from.name,
          to: booking.to.name,
        })}
      </p>
      {error ? <Notice tone="error">{t(MESSAGES[error])}</Notice> : null}
      <TextField
        id={dateId}
        label={t('bookings.exchange.date')}
        hint={t('bookings.exchange.dateHint')}
        error={
          dateTouched && !validDate
            ? t(date ? 'bookings.exchange.datePast' : 'bookings.exchange.dateInvalid')
            : undefined
        }
        inputMode="numeric"
        autoComplete="off"
        maxLength={10}
        value={dateText}
        addon={
          <button
            ref={calendarButton}
            type="button"
            className="button button--secondary trip-search__calendar-button"
            aria-haspopup="dialog"
            aria-expanded={calendarOpen}
            aria-controls={`${dateId}-calendar`}
            onClick={() => setCalendarOpen((open) => !open)}
          >
            <CalendarIcon />
            {t('ui.calendar.open')}
          </button>
        }
        onChange={(event) => {
          setDateText(event.target.value);
          setDateTouched(false);
          setChoiceId(null);
        }}
        onBlur={() => {
          setDateTouched(true);
          // `24112026` or `24.11` reads back as `24/11/2026`, so the traveller sees which day was understood.
          if (date && formatIsoDate(date) !== dateText) setDateText(formatIsoDate(date));
        }}
      />
      {calendarOpen ? (
        <DateCalendar
          id={`${dateId}-calendar`}
          chosen={date || null}
          today={today}
          from={booking.from.code}
          to={booking.to.code}
          trainDates={trainDates}
          onPick={(day) => {
            setDate(day);
            setDateTouched(false);
            closeCalendar(true);
          }}
          onClose={closeCalendar}
        />
      ) : null}
      {search.status === 'done' ? (
        choices.length > 0 ? (
          <fieldset className="exchange__choices">
            <legend>{t('bookings.exchange.choices')}</legend>
            {choices.map((c) => (
              <label key={c.id} className="exchange__choice">
                <input
                  type="radio"
                  name="exchange-choice"
                  value={c.id}
                  checked={choiceId === c.id}
                  onChange={() => setChoiceId(c.id)}
                />{' '}
                {t('bookings.exchange.choice', {
                  number: c.trainNumber,
                  time: formatTime(c.departure, lang),
                  class: named(CLASS_NAMES, c.class, t),
                  seats: c.seatsFree,
                })}
              </label>
            ))}
          </fieldset>
        ) : (
          <>
            <p role="status">{t('bookings.exchange.none')}</p>
            {search.data.nextDates.length > 0 ? (
              <p>
                {t('bookings.exchange.nextDates')}{' '}
                {search.data.nextDates.map((next) => (
                  <button key={next} type="button" className="button button--link" onClick={() => setDate(next)}>
                    {formatDayDate(next, lang)}
                  </button>
                ))}
              </p>
            ) : null}
          </>
        )
      ) : validDate ? (
        <RequestStatus state={search} loadingText={t('bookings.exchange.loading')} onRetry={search.retry} />
      ) : null}
      {choice ? (
        quote.status === 'done' && outcome ? (
          <div className="exchange__quote" role="status">
            <dl>
              <dt>{t('bookings.exchange.newTotal')}</dt>
              <dd>{formatMoneyXAF(quote.data.total)}</dd>
              <dt>{t('bookings.exchange.credit')}</dt>
              <dd>{formatMoneyXAF(quote.data.credit)}</dd>
              <dt>{t('bookings.exchange.fee', { percent: quote.data.feePercent })}</dt>
              <dd>{formatMoneyXAF(quote.data.fee)}</dd>
              <dt>
                {outcome.kind === 'refund' ? t('bookings.exchange.toRefund') : t('bookings.exchange.toPay')}
              </dt>
              <dd>
                <strong>{formatMoneyXAF(outcome.kind === 'even' ? 0 : outcome.amount)}</strong>
              </dd>
            </dl>
            {outcome.kind === 'pay' ? <p>{t('bookings.exchange.payNext')}</p> : null}
            <p className="actions">
              <button
                type="button"
                className="button"
                disabled={sending}
                aria-busy={sending || undefined}
                onClick={() => void confirm()}
              >
                {sending
                  ? t('bookings.exchange.sending')
                  : outcome.kind === 'pay'
                    ? t('bookings.exchange.confirmAndPay', { amount: formatMoneyXAF(outcome.amount) })
                    : t('bookings.exchange.confirm')}
              </button>
            </p>
          </div>
        ) : quote.status === 'failed' ? (
          <Notice tone="error">{t(MESSAGES[quoteError(quote.error, booking, Date.now())])}</Notice>
        ) : (
          <RequestStatus state={quote} loadingText={t('bookings.exchange.quoteLoading')} onRetry={quote.retry} />
        )
      ) : null}
      <p>
        <button type="button" className="button button--secondary" onClick={onClose}>
          {t('bookings.exchange.keep')}
        </button>
      </p>
    </div>
  );
}
