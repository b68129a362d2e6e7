import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import { signInHref } from '../../../lib/auth';
import {
  daysBetween,
  formatDayDate,
  formatMoneyXAF,
  formatPhoneNational,
  formatTime,
  localIsoDate,
} from '../../../lib/format';
import { keyForAttempt } from '../../../lib/ids';
import { navigate, useSearch } from '../../../lib/router';
import { readSession, removeSession, writeSession } from '../../../lib/storage';
import { sendWithTimeLimit, useRequest } from '../../../lib/useRequest';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { TextField } from '../../../ui/TextField';
import { createBooking } from '../api/createBooking';
import { getOffers } from '../api/getOffers';
import type { SeatMap, TravelClass } from '../api/types';
import { fareSummary, unitPrices } from '../fares';
import {
  DRAFT_STORAGE_KEY,
  bookingErrors,
  draftFromText,
  draftOwner,
  draftToText,
  emptyForm,
  fieldOrder,
  partyOf,
  toNewBooking,
  validateBookingForm,
  type BookingField,
  type BookingFieldErrors,
  type BookingForm,
  type BookingFormError,
  type PassengerDraft,
} from '../passengers';
import { checkChoice, choiceFromQuery, seatMapPath, type ChoiceProblem, type SeatChoice } from '../seats';
import { ArrivalDays } from './ArrivalDays';
import { FareSummaryTable } from './FareSummaryTable';
import { className, countText, serviceName } from './labels';
import { PassengerFields } from './PassengerFields';
import { SeatMapStatus, useSeatMap } from './SeatMapPage';

const PROBLEMS: Record<ChoiceProblem, TKey> = {
  count: 'trips.book.countProblem',
  'unknown-seat': 'trips.book.unknownSeat',
  taken: 'trips.book.taken',
};

const FORM_ERRORS: Record<BookingFormError, TKey> = {
  invalid: 'trips.book.errors.form.invalid',
  'seats-taken': 'trips.book.errors.form.seatsTaken',
  'not-enough-seats': 'trips.book.errors.form.notEnoughSeats',
  'not-on-sale': 'trips.book.errors.form.notOnSale',
  'not-found': 'trips.book.errors.form.notFound',
  'in-progress': 'trips.book.errors.form.inProgress',
  'signed-out': 'trips.book.errors.form.signedOut',
  forbidden: 'trips.book.errors.form.forbidden',
  'session-expired': 'ui.errors.sessionExpired',
  network: 'trips.book.errors.form.network',
  timeout: 'trips.book.errors.form.timeout',
  'too-many-requests': 'ui.errors.tooManyRequests',
  unexpected: 'ui.errors.unexpected',
};

const PHONE_ERRORS: Partial<Record<string, TKey>> = {
  required: 'trips.book.errors.contactPhone.required',
  'invalid-phone': 'trips.book.errors.contactPhone.invalid',
};

/** Who is signed in, as the shell knows it: the booking is made for them, and their phone is suggested. */
export interface BookingAccount {
  status: 'checking' | 'signed-in' | 'signed-out' | 'unreachable';
  /** E.164, when the account has one. */
  phone: string | null;
}

/**
 * `/trips/42/book?from=OWE&to=FCV&class=second&passengers=2&seats=3-14,3-15`: the journey, the seats and the
 * fare, one traveller per seat, the contact phone, then "Réserver" (after signing in if need be), which holds
 * the seats and opens the booking's page to pay.
 */
export function BookPage({ tripId, account }: { tripId: number; account: BookingAccount }) {
  const t = useT();
  const query = useSearch();
  const choice = useMemo(() => choiceFromQuery(query), [query]);
  const state = useSeatMap(tripId, choice);

  if (state.status !== 'done') {
    return (
      <>
        <PageTitle>{t('trips.book.title')}</PageTitle>
        <SeatMapStatus state={state} />
      </>
    );
  }

  const map = state.data;
  const problem = checkChoice(map, choice);
  return (
    <>
      <PageTitle>{t('trips.book.title')}</PageTitle>
      <TripSummary tripId={tripId} map={map} choice={choice} />
      {problem || !choice.travelClass ? (
        <>
          <Notice tone="error">{t(PROBLEMS[problem ?? 'count'])}</Notice>
          <p className="actions">
            <Link className="button" to={seatMapPath(tripId, choice)}>
              {t('trips.book.changeSeats')}
            </Link>
            <Link className="button button--secondary" to="/trips">
              {t('trips.common.newSearch')}
            </Link>
          </p>
        </>
      ) : (
        <BookingStep
          key={`${tripId}/${query}`}
          tripId={tripId}
          map={map}
          choice={choice}
          travelClass={choice.travelClass}
          account={account}
        />
      )}
    </>
  );
}

/** Train, journey, date and times, class, travellers and seats, with the way back to the seat map. */
function TripSummary({ tripId, map, choice }: { tripId: number; map: SeatMap; choice: SeatChoice }) {
  const t = useT();
  const lang = useLang();
  const seats = choice.seats
    .map((ref) => t('trips.seats.seatShort', { coach: ref.coach, seat: ref.seat }))
    .join(lang === 'fr' ? ' ; ' : '; ');
  const travellers = countText(t, lang, choice.passengers, 'trips.common.passengersOne', 'trips.common.passengersMany');
  return (
    <section className="trip-summary" aria-labelledby="trip-summary-title">
      <h2 id="trip-summary-title" className="trip-summary__title">
        {t('trips.results.heading', { from: map.from.name, to: map.to.name })}
      </h2>
      <p className="trip-summary__line">
        <strong>
          {t('trips.common.train', { number: map.trainNumber })} · {serviceName(map.service, t)}
        </strong>
      </p>
      <p className="trip-summary__line">
        {formatDayDate(localIsoDate(map.from.departure), lang)}
        {', '}
        <time dateTime={map.from.departure}>{formatTime(map.from.departure, lang)}</time>
        <span aria-hidden="true"> → </span>
        <span className="visually-hidden"> – </span>
        <time dateTime={map.to.arrival}>{formatTime(map.to.arrival, lang)}</time>
        <ArrivalDays days={daysBetween(map.from.departure, map.to.arrival)} />
      </p>
      <p className="trip-summary__line">
        {choice.travelClass ? className(choice.travelClass, t) : '—'} · {travellers}
      </p>
      <p className="trip-summary__line">
        {t('trips.book.seatsLabel')} {seats || '—'}{' '}
        <Link to={seatMapPath(tripId, choice)} className="trip-summary__change">
          {t('trips.book.changeSeats')}
        </Link>
      </p>
    </section>
  );
}

interface StepProps {
  tripId: number;
  map: SeatMap;
  choice: SeatChoice;
  travelClass: TravelClass;
  account: BookingAccount;
}

function BookingStep({ tripId, map, choice, travelClass, account }: StepProps) {
  const t = useT();
  const owner = draftOwner(tripId, choice.from, choice.to, travelClass);
  const [kept] = useState(() => draftFromText(readSession(DRAFT_STORAGE_KEY), owner, choice.seats.length));
  const phone = account.phone ? formatPhoneNational(account.phone) : '';
  const [form, setForm] = useState<BookingForm>(() => kept?.form ?? emptyForm(choice.seats.length, phone));
  const [backFromSignIn] = useState(() => kept?.signingIn === true && account.status !== 'signed-out');
  const [fieldErrors, setFieldErrors] = useState<BookingFieldErrors>({});
  const [formError, setFormError] = useState<BookingFormError | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [focusFirstError, setFocusFirstError] = useState(0);
  const phoneEdited = useRef(false);
  const attempt = useRef<{ key: string; request: string } | null>(null);
  const elements = useRef(new Map<BookingField, HTMLElement>());
  const register = (field: BookingField, element: HTMLElement | null) => {
    if (element) elements.current.set(field, element);
    else elements.current.delete(field);
  };

  // What is typed is kept for this tab: through the sign-in, a trip back to the seat map, a reload.
  useEffect(() => {
    writeSession(DRAFT_STORAGE_KEY, draftToText(owner, form));
  }, [owner, form]);

  // The account's phone arrives with the session: suggested until the traveller types another.
  useEffect(() => {
    if (phone && !phoneEdited.current && form.contactPhone === '') setForm((f) => ({ ...f, contactPhone: phone }));
  }, [phone]);

  useEffect(() => {
    if (focusFirstError === 0) return;
    const first = fieldOrder(form).find((field) => fieldErrors[field]);
    if (first) elements.current.get(first)?.focus();
  }, [focusFirstError]);

  const date = localIsoDate(map.from.departure);
  const offers = useRequest(`${map.from.code}/${map.to.code}/${date}`, (signal) =>
    // One of each type: the fare of each, whatever the traveller picks below.
    getOffers({ from: map.from.code, to: map.to.code, date, passengers: 1, children: 1, infants: 1 }, signal),
  );
  const units = offers.status === 'done' ? unitPrices(offers.data, tripId, travelClass) : null;
  const summary = units ? fareSummary(units, partyOf(form)) : null;

  function clearErrors(fields: BookingField[]) {
    if (!fields.some((field) => fieldErrors[field])) return;
    setFieldErrors((previous) => {
      const next = { ...previous };
      for (const field of fields) delete next[field];
      return next;
    });
  }

  function updatePassenger(index: number, changes: Partial<PassengerDraft>) {
    setForm((previous) => ({
      ...previous,
      passengers: previous.passengers.map((p, i) => (i === index ? { ...p, ...changes } : p)),
    }));
    clearErrors(
      (Object.keys(changes) as Array<keyof PassengerDraft>).map(
        (field) => `passengers.${index}.${field === 'infant' ? 'infantName' : field}` as BookingField,
      ),
    );
  }

  function signIn(currentForm: BookingForm) {
    writeSession(DRAFT_STORAGE_KEY, draftToText(owner, currentForm, true));
    window.location.assign(signInHref(window.location.pathname + window.location.search));
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    setFormError(null);
    const errors = validateBookingForm(form);
    setFieldErrors(errors);
    if (Object.keys(errors).length > 0) {
      setFocusFirstError((n) => n + 1);
      return;
    }
    if (account.status === 'signed-out') {
      signIn(form);
      return;
    }
    const { booking, sent } = toNewBooking(form, {
      tripId,
      from: map.from.code,
      to: map.to.code,
      travelClass,
      seats: choice.seats,
    });
    // The same booking sent again (after a lost answer) keeps its key: it is made once.
    attempt.current = keyForAttempt(attempt.current, JSON.stringify(booking));
    const key = attempt.current.key;
    setSubmitting(true);
    const result = await sendWithTimeLimit((signal) => createBooking(booking, key, signal));
    setSubmitting(false);
    if (result.ok) {
      removeSession(DRAFT_STORAGE_KEY);
      navigate(`/bookings/${encodeURIComponent(result.data.pnr)}`);
      return;
    }
    const problems = bookingErrors(result.error, sent);
    if (problems.form === 'signed-out') {
      signIn(form);
      return;
    }
    setFieldErrors(problems.fields);
    setFormError(problems.form ?? null);
    if (Object.keys(problems.fields).length > 0) setFocusFirstError((n) => n + 1);
  }

  const phoneError = fieldErrors.contactPhone
    ? t(PHONE_ERRORS[fieldErrors.contactPhone] ?? 'trips.book.errors.contactPhone.invalid')
    : undefined;
  const hasFieldErrors = Object.keys(fieldErrors).length > 0;

  return (
    <>
      {backFromSignIn ? (
        <Notice tone="info">{t('trips.book.backFromSignIn')}</Notice>
      ) : (
        <Notice tone="info">{t('trips.book.notYetBooked')}</Notice>
      )}

      <section className="fares" aria-labelledby="fares-title">
        <h2 id="fares-title">{t('trips.fares.title')}</h2>
        {summary ? (
          <FareSummaryTable summary={summary} captionId="fares-title" />
        ) : offers.status === 'done' ? (
          <p>{t('trips.fares.unknown')}</p>
        ) : (
          <RequestStatus state={offers} loadingText={t('trips.fares.loading')} onRetry={offers.retry} />
        )}
      </section>

      <form className="form booking-form" noValidate onSubmit={submit} aria-labelledby="travellers-title">
        <h2 id="travellers-title">{t('trips.book.travellersTitle')}</h2>
        <p className="field__hint booking-form__intro">{t('trips.book.idCheck')}</p>
        {hasFieldErrors && !formError ? (
          <p className="visually-hidden" role="alert">
            {t('trips.book.fixErrors')}
          </p>
        ) : null}
        {form.passengers.map((passenger, index) => (
          <PassengerFields
            key={index}
            index={index}
            seat={choice.seats[index]}
            passenger={passenger}
            errors={fieldErrors}
            onChange={updatePassenger}
            register={register}
          />
        ))}
        <h2>{t('trips.book.contactTitle')}</h2>
        <TextField
          ref={(el) => register('contactPhone', el)}
          id="booking-contact-phone"
          name="contactPhone"
          type="tel"
          inputMode="tel"
          autoComplete="tel-national"
          label={t('trips.book.contactPhone')}
          hint={t('trips.book.contactPhoneHint')}
          error={phoneError}
          maxLength={20}
          value={form.contactPhone}
          onChange={(event) => {
            phoneEdited.current = true;
            setForm((previous) => ({ ...previous, contactPhone: event.target.value }));
            clearErrors(['contactPhone']);
          }}
        />
        {formError ? (
          <Notice tone="error">
            <p>{t(FORM_ERRORS[formError])}</p>
            {formError === 'seats-taken' || formError === 'not-enough-seats' ? (
              <p>
                <Link className="button button--secondary" to={seatMapPath(tripId, choice)}>
                  {t('trips.book.chooseOtherSeats')}
                </Link>
              </p>
            ) : null}
          </Notice>
        ) : null}
        <div className="booking-form__submit">
          {summary ? (
            <p className="booking-form__total">
              {t('trips.book.totalToPay', { total: formatMoneyXAF(summary.total) })}
            </p>
          ) : null}
          {account.status === 'signed-out' ? (
            <p id="booking-sign-in-hint" className="field__hint">
              {t('trips.book.signInHint')}
            </p>
          ) : null}
          <button
            type="submit"
            className="button booking-form__button"
            disabled={submitting}
            aria-busy={submitting || undefined}
            aria-describedby={account.status === 'signed-out' ? 'booking-sign-in-hint' : undefined}
          >
            {submitting ? t('trips.book.submitting') : t('trips.book.submit')}
          </button>
          <p className="field__hint">{t('trips.book.holdHint')}</p>
        </div>
      </form>
    </>
  );
}
