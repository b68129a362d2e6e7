import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLang, useT } from '../../../i18n';
import { isProblem, problemCode } from '../../../lib/api';
import { formatDuration, formatMoneyXAF, formatTime, todayInLibreville, formatDayDate, formatIsoDate } from '../../../lib/format';
import { keyForAttempt } from '../../../lib/ids';
import { sendWithTimeLimit, useRequest, type RequestError } from '../../../lib/useRequest';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { TextField } from '../../../ui/TextField';
import { createBooking } from '../api/createBooking';
import { getOffers } from '../api/getOffers';
import { getSeatMap } from '../api/getSeatMap';
import { getStations } from '../api/getStations';
import { ticketsAfterCash } from './ticketsAfterCash';
import { payCash } from '../api/payCash';
import type { Booking, Ticket, TravelClass, TripOffer } from '../api/types';
import {
  checkSale,
  emptySaleForm,
  saleErrorsFromServer,
  saleFieldOrder,
  saleRequest,
  toggleSaleSeat,
  type SaleErrors,
  type SaleField,
  type SaleForm,
} from '../sale';
import { CLASS_NAMES, TYPE_NAMES, named } from './labels';
import { SaleTickets } from './SaleTickets';
import { SeatPicker } from './SeatPicker';

interface Props {
  access: Access;
  onRetry: () => void;
}

interface Search {
  from: string;
  to: string;
  date: string;
  adults: number;
  children: number;
}

interface Choice {
  trip: TripOffer;
  travelClass: TravelClass;
  from: { code: string; name: string };
  to: { code: string; name: string };
}

/** `/agent/sale`: a counter sale for a walk-in customer, paid in cash; the tickets printed at once. */
export function SalePage({ access, onRetry }: Props) {
  const t = useT();
  return (
    <>
      <PageTitle>{t('agent.sale.title')}</PageTitle>
      <AreaGate
        access={access}
        path="/agent/sale"
        signedOutText={t('agent.area.signedOut')}
        notAllowedText={t('agent.sale.notAllowed')}
        onRetry={onRetry}
      >
        <SaleScreen />
      </AreaGate>
    </>
  );
}

function SaleScreen() {
  const [search, setSearch] = useState<Search | null>(null);
  const [choice, setChoice] = useState<Choice | null>(null);
  const [booking, setBooking] = useState<Booking | null>(null);
  const [round, setRound] = useState(0);

  function restart() {
    setSearch(null);
    setChoice(null);
    setBooking(null);
    setRound((n) => n + 1);
  }

  if (booking) return <SaleCash booking={booking} onRestart={restart} />;
  return (
    <div className="sale">
      <SaleSearch
        key={round}
        onSearch={(next) => {
          setSearch(next);
          setChoice(null);
        }}
      />
      {search && !choice ? <SaleResults search={search} onChoose={setChoice} /> : null}
      {search && choice ? (
        <SaleBookingForm search={search} choice={choice} onBack={() => setChoice(null)} onBooked={setBooking} />
      ) : null}
    </div>
  );
}

// --- 1. The trip ---

function SaleSearch({ onSearch }: { onSearch: (search: Search) => void }) {
  const t = useT();
  const stations = useRequest('stations', (signal) => getStations(signal));
  const [from, setFrom] = useState('OWE');
  const [to, setTo] = useState('FCV');
  const [date, setDate] = useState(todayInLibreville());
  const [adults, setAdults] = useState('1');
  const [children, setChildren] = useState('0');
  const [error, setError] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const a = Number(adults);
    const c = Number(children);
    if (from === to) return setError(t('agent.sale.search.sameStation'));
    if (!Number.isInteger(a) || !Number.isInteger(c) || a < 1 || c < 0 || a + c > 9) {
      return setError(t('agent.sale.search.party'));
    }
    setError(null);
    onSearch({ from, to, date, adults: a, children: c });
  }

  const list = stations.status === 'done' ? stations.data.stations : [];
  return (
    <form className="sale-search form" onSubmit={submit} noValidate aria-labelledby="sale-search-title">
      <h2 id="sale-search-title">{t('agent.sale.search.title')}</h2>
      <RequestStatus state={stations} loadingText={t('agent.sale.search.loadingStations')} onRetry={stations.retry} />
      <div className="sale-search__row">
        <div className="field">
          <label htmlFor="sale-from">{t('agent.sale.search.from')}</label>
          <select id="sale-from" className="field__input" value={from} onChange={(e) => setFrom(e.target.value)}>
            {list.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="sale-to">{t('agent.sale.search.to')}</label>
          <select id="sale-to" className="field__input" value={to} onChange={(e) => setTo(e.target.value)}>
            {list.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="sale-search__row">
        <TextField id="sale-date" type="date" label={t('agent.sale.search.date')} value={date} onChange={(e) => setDate(e.target.value)} />
        <TextField id="sale-adults" type="number" min={1} max={9} inputMode="numeric" label={t('agent.sale.search.adults')}
          value={adults} onChange={(e) => setAdults(e.target.value)} />
        <TextField id="sale-children" type="number" min={0} max={8} inputMode="numeric" label={t('agent.sale.search.children')}
          value={children} onChange={(e) => setChildren(e.target.value)} />
      </div>
      {error ? <Notice tone="error">{error}</Notice> : null}
      <button type="submit" className="button">
        {t('agent.sale.search.submit')}
      </button>
    </form>
  );
}

function SaleResults({ search, onChoose }: { search: Search; onChoose: (choice: Choice) => void }) {
  const t = useT();
  const lang = useLang();
  const key = JSON.stringify(search);
  const offers = useRequest(key, (signal) => getOffers(search, signal));
  return (
    <section className="sale-results" aria-labelledby="sale-results-title">
      <h2 id="sale-results-title">{t('agent.sale.results.title', { date: formatDayDate(search.date, lang) })}</h2>
      {offers.status === 'failed' && offers.error.kind === 'problem' && isProblem(offers.error, 'validation') ? (
        <Notice tone="error">{t('agent.sale.results.invalid')}</Notice>
      ) : (
        <RequestStatus state={offers} loadingText={t('agent.sale.results.loading')} onRetry={offers.retry} />
      )}
      {offers.status === 'done' && offers.data.trips.length === 0 ? (
        <p>
          {t('agent.sale.results.none')}
          {offers.data.nextDates.length > 0
            ? ` ${t('agent.sale.results.nextDates', { dates: offers.data.nextDates.map(formatIsoDate).join(', ') })}`
            : ''}
        </p>
      ) : null}
      {offers.status === 'done' ? (
        <ul className="sale-results__list">
          {offers.data.trips.map((trip) => (
            <li key={trip.id}>
              <article className="sale-trip" aria-labelledby={`sale-trip-${trip.id}`}>
                <h3 id={`sale-trip-${trip.id}`}>
                  {t('agent.sale.results.trip', {
                    number: trip.trainNumber,
                    departure: formatTime(trip.departure, lang),
                    arrival: formatTime(trip.arrival, lang),
                  })}
                </h3>
                <p className="muted">
                  {t('agent.common.route', { from: offers.data.from.name, to: offers.data.to.name })} ·{' '}
                  {formatDuration(trip.durationMinutes, lang)}
                </p>
                <ul className="sale-trip__classes">
                  {trip.classes.map((offer) => (
                    <li key={offer.class}>
                      <button
                        type="button"
                        className="button button--secondary"
                        disabled={!offer.available || !offer.price}
                        onClick={() =>
                          onChoose({ trip, travelClass: offer.class, from: offers.data.from, to: offers.data.to })
                        }
                      >
                        {t('agent.sale.results.choose', {
                          class: named(CLASS_NAMES, offer.class, t),
                          price: offer.price ? formatMoneyXAF(offer.price.total) : '—',
                          free: offer.seatsFree,
                        })}
                      </button>
                    </li>
                  ))}
                </ul>
              </article>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

// --- 2. Seats and travellers ---

const FIELD_MESSAGES = {
  name: { required: 'agent.sale.form.nameRequired', 'too-long': 'agent.sale.form.nameTooLong', invalid: 'agent.sale.form.nameInvalid' },
  idNumber: { required: 'agent.sale.form.idRequired', 'too-long': 'agent.sale.form.idInvalid', invalid: 'agent.sale.form.idInvalid' },
  phone: { required: 'agent.sale.form.phoneRequired', 'too-long': 'agent.sale.form.phoneInvalid', invalid: 'agent.sale.form.phoneInvalid' },
} as const;

function fieldId(field: SaleField): string {
  return `sale-${field.replace(/\./g, '-')}`;
}

function SaleBookingForm({
  search,
  choice,
  onBack,
  onBooked,
}: {
  search: Search;
  choice: Choice;
  onBack: () => void;
  onBooked: (booking: Booking) => void;
}) {
  const t = useT();
  const lang = useLang();
  const count = search.adults + search.children;
  const [form, setForm] = useState<SaleForm>(() => emptySaleForm(search.adults, search.children));
  const [mode, setMode] = useState<'auto' | 'chosen'>('auto');
  const [seats, setSeats] = useState<{ coach: number; seat: number }[]>([]);
  const [errors, setErrors] = useState<SaleErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const attempt = useRef<{ key: string; request: string } | null>(null);
  const [mapRound, setMapRound] = useState(0);
  const seatMap = useRequest(mode === 'chosen' ? `seats:${choice.trip.id}:${mapRound}` : null, (signal) =>
    getSeatMap(choice.trip.id, { from: choice.from.code, to: choice.to.code }, signal),
  );

  function update(index: number, patch: Partial<SaleForm['travellers'][number]>) {
    setForm((f) => ({ ...f, travellers: f.travellers.map((tr, i) => (i === index ? { ...tr, ...patch } : tr)) }));
  }

  function message(field: SaleField): string | undefined {
    const code = errors[field];
    if (!code) return undefined;
    const kind = field === 'phone' ? 'phone' : field.endsWith('.name') ? 'name' : 'idNumber';
    return t(FIELD_MESSAGES[kind][code]);
  }

  function focusFirst(found: SaleErrors) {
    const first = saleFieldOrder(form).find((field) => found[field]);
    if (first) document.getElementById(fieldId(first))?.focus();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    const found = checkSale(form);
    setErrors(found);
    if (Object.keys(found).length > 0) return focusFirst(found);
    if (mode === 'chosen' && seats.length !== count) {
      setProblem(t('agent.sale.seats.chooseAll', { count }));
      return;
    }
    const body = saleRequest(
      { tripId: choice.trip.id, from: choice.from.code, to: choice.to.code, travelClass: choice.travelClass },
      form,
      mode === 'chosen' ? seats : [],
    );
    attempt.current = keyForAttempt(attempt.current, JSON.stringify(body));
    const key = attempt.current.key;
    setSending(true);
    const result = await sendWithTimeLimit((signal) => createBooking(body, key, signal));
    setSending(false);
    if (result.ok) return onBooked(result.data);
    const error = result.error;
    const fields = error.kind === 'timeout' ? {} : saleErrorsFromServer(error);
    if (Object.keys(fields).length > 0) {
      setErrors(fields);
      return focusFirst(fields);
    }
    setProblem(bookingProblem(error, t));
    if (error.kind === 'problem' && problemCode(error.problem) === 'seats-taken') {
      setSeats([]);
      setMapRound((n) => n + 1);
    }
  }

  return (
    <form className="sale-form form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="sale-form-title">
      <h2 id="sale-form-title">{t('agent.sale.form.title')}</h2>
      <p>
        <strong>
          {t('agent.common.train', { number: choice.trip.trainNumber })} ·{' '}
          {t('agent.common.route', { from: choice.from.name, to: choice.to.name })}
        </strong>
        <br />
        {formatDayDate(search.date, lang)}, {formatTime(choice.trip.departure, lang)} · {named(CLASS_NAMES, choice.travelClass, t)}
      </p>
      <button type="button" className="button button--secondary button--small" onClick={onBack}>
        {t('agent.sale.form.otherTrain')}
      </button>

      <fieldset className="choice-group">
        <legend>{t('agent.sale.seats.title')}</legend>
        <div className="choice-group__options">
          <label className="choice">
            <input type="radio" name="seat-mode" checked={mode === 'auto'} onChange={() => setMode('auto')} />
            {t('agent.sale.seats.auto')}
          </label>
          <label className="choice">
            <input type="radio" name="seat-mode" checked={mode === 'chosen'} onChange={() => setMode('chosen')} />
            {t('agent.sale.seats.choose')}
          </label>
        </div>
      </fieldset>
      {mode === 'chosen' ? (
        <>
          <RequestStatus state={seatMap} loadingText={t('agent.sale.seats.loading')} onRetry={seatMap.retry} />
          {seatMap.status === 'done' ? (
            <SeatPicker
              coaches={seatMap.data.coaches}
              travelClass={choice.travelClass}
              chosen={seats}
              max={count}
              onToggle={(seat) => setSeats((chosen) => toggleSaleSeat(chosen, seat, count))}
            />
          ) : null}
        </>
      ) : null}

      {form.travellers.map((traveller, index) => (
        <fieldset key={index} className="passenger">
          <legend className="passenger__legend">
            {t('agent.sale.form.traveller', { number: index + 1, type: named(TYPE_NAMES, traveller.type, t) })}
            {mode === 'chosen' && seats[index] ? ` · ${t('agent.common.seat', { coach: seats[index].coach, seat: seats[index].seat })}` : ''}
          </legend>
          <TextField
            id={fieldId(`travellers.${index}.name`)}
            label={t('agent.sale.form.name')}
            autoComplete="off"
            value={traveller.name}
            error={message(`travellers.${index}.name`)}
            onChange={(e) => update(index, { name: e.target.value })}
          />
          <TextField
            id={fieldId(`travellers.${index}.idNumber`)}
            label={t('agent.sale.form.idNumber')}
            autoComplete="off"
            autoCapitalize="characters"
            value={traveller.idNumber}
            error={message(`travellers.${index}.idNumber`)}
            onChange={(e) => update(index, { idNumber: e.target.value })}
          />
        </fieldset>
      ))}
      <TextField
        id={fieldId('phone')}
        type="tel"
        inputMode="tel"
        label={t('agent.sale.form.phone')}
        hint={t('agent.sale.form.phoneHint')}
        autoComplete="off"
        value={form.phone}
        error={message('phone')}
        onChange={(e) => setForm((f) => ({ ...f, phone: e.target.value }))}
      />
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      <button type="submit" className="button" disabled={sending}>
        {sending ? t('agent.sale.form.sending') : t('agent.sale.form.submit')}
      </button>
    </form>
  );
}

function bookingProblem(error: RequestError, t: ReturnType<typeof useT>): string {
  if (error.kind === 'network') return t('ui.errors.network');
  if (error.kind === 'timeout') return t('agent.sale.form.timeout');
  if (error.kind === 'problem') {
    switch (problemCode(error.problem)) {
      case 'seats-taken':
        return t('agent.sale.form.seatsTaken');
      case 'not-enough-seats':
        return t('agent.sale.form.notEnoughSeats');
      case 'trip-not-on-sale':
        return t('agent.sale.form.notOnSale');
      default:
        if (error.status === 403) return t('agent.sale.notAllowed');
    }
  }
  return t('ui.errors.unexpected');
}

// --- 3. Cash and tickets ---

type CashState =
  | { kind: 'due' }
  | { kind: 'paying' }
  | { kind: 'failed'; message: string }
  | { kind: 'paid'; tickets: Ticket[] | null; ticketsFailed: boolean };

function SaleCash({ booking, onRestart }: { booking: Booking; onRestart: () => void }) {
  const t = useT();
  const lang = useLang();
  const [state, setState] = useState<CashState>({ kind: 'due' });
  const paymentKey = useRef<{ key: string; request: string } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, [state.kind]);

  async function loadTickets() {
    const tickets = await ticketsAfterCash(booking.pnr);
    setState({ kind: 'paid', tickets, ticketsFailed: tickets === null });
  }

  async function takeCash() {
    paymentKey.current = keyForAttempt(paymentKey.current, booking.pnr);
    const key = paymentKey.current.key;
    setState({ kind: 'paying' });
    const result = await sendWithTimeLimit((signal) => payCash(booking.pnr, key, signal));
    if (result.ok && result.data.status === 'succeeded') {
      setState({ kind: 'paid', tickets: null, ticketsFailed: false });
      return loadTickets();
    }
    if (!result.ok && result.error.kind === 'problem' && problemCode(result.error.problem) === 'booking-not-payable') {
      // Already paid (an answer lost earlier): the tickets say so; otherwise the hold is over.
      return loadTickets();
    }
    setState({ kind: 'failed', message: cashProblem(result.ok ? null : result.error, t) });
  }

  const paid = state.kind === 'paid';
  return (
    <div className="sale-cash">
      <section className={paid ? 'booking-status booking-status--success no-print' : 'booking-status no-print'} aria-labelledby="sale-cash-title">
        <h2 id="sale-cash-title" ref={heading} tabIndex={-1} className="booking-status__title">
          {paid ? t('agent.sale.cash.paidTitle', { pnr: booking.pnr }) : t('agent.sale.cash.dueTitle', { pnr: booking.pnr })}
        </h2>
        <p>
          {t('agent.common.train', { number: booking.trip.trainNumber })} ·{' '}
          {t('agent.common.route', { from: booking.from.name, to: booking.to.name })} ·{' '}
          {formatDayDate(booking.trip.serviceDate, lang)}, {formatTime(booking.from.departure, lang)}
        </p>
        <ul>
          {booking.passengers.map((p, i) => (
            <li key={i}>
              {p.name} · {named(TYPE_NAMES, p.type, t)} ·{' '}
              {p.seat ? t('agent.common.seat', { coach: p.seat.coach, seat: p.seat.seat }) : t('agent.common.lapInfant')} · {formatMoneyXAF(p.fare)}
            </li>
          ))}
        </ul>
        <p className="sale-cash__total">
          {t(paid ? 'agent.sale.cash.totalPaid' : 'agent.sale.cash.total', { amount: formatMoneyXAF(booking.total) })}
        </p>
        {!paid && booking.holdExpiresAt ? (
          <p>{t('agent.sale.cash.heldUntil', { time: formatTime(booking.holdExpiresAt, lang) })}</p>
        ) : null}
        {state.kind === 'due' || state.kind === 'failed' || state.kind === 'paying' ? (
          <button type="button" className="button" disabled={state.kind === 'paying'} onClick={() => void takeCash()}>
            {state.kind === 'paying'
              ? t('agent.sale.cash.paying')
              : t('agent.sale.cash.take', { amount: formatMoneyXAF(booking.total) })}
          </button>
        ) : null}
        {state.kind === 'failed' ? <Notice tone="error">{state.message}</Notice> : null}
        {paid ? <p>{t('agent.sale.cash.paidText', { amount: formatMoneyXAF(booking.total) })}</p> : null}
      </section>

      {state.kind === 'paid' ? (
        <section aria-labelledby="sale-tickets-title" className="sale-tickets-section">
          <h2 id="sale-tickets-title" className="no-print">{t('agent.sale.tickets.title')}</h2>
          {state.tickets === null && !state.ticketsFailed ? <p role="status">{t('agent.sale.tickets.loading')}</p> : null}
          {state.ticketsFailed ? (
            <>
              <Notice tone="error">{t('agent.sale.tickets.failed')}</Notice>
              <button type="button" className="button button--secondary" onClick={() => void loadTickets()}>
                {t('ui.errors.retry')}
              </button>
            </>
          ) : null}
          {state.tickets ? (
            <>
              <div className="actions no-print">
                <button type="button" className="button" onClick={() => window.print()}>
                  {t('agent.sale.tickets.print')}
                </button>
                <button type="button" className="button button--secondary" onClick={onRestart}>
                  {t('agent.sale.tickets.newSale')}
                </button>
              </div>
              <SaleTickets tickets={state.tickets} />
            </>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}

function cashProblem(error: RequestError | null, t: ReturnType<typeof useT>): string {
  if (!error) return t('agent.sale.cash.notTaken');
  if (error.kind === 'network') return t('ui.errors.network');
  if (error.kind === 'timeout') return t('agent.sale.cash.timeout');
  if (error.kind === 'problem' && error.status === 403) return t('agent.sale.notAllowed');
  if (error.kind === 'problem' && problemCode(error.problem) === 'payment-in-progress') return t('agent.sale.cash.inProgress');
  return t('ui.errors.unexpected');
}

