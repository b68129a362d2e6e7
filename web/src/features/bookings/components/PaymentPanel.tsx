import { useEffect, useReducer, useRef, useState, type FormEvent } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import { formatDate, formatMoneyXAF, formatPhoneNational, formatTime, normalizeGabonPhone } from '../../../lib/format';
import { keyForAttempt } from '../../../lib/ids';
import { navigate } from '../../../lib/router';
import { readSession, removeSession, writeSession } from '../../../lib/storage';
import { sendWithTimeLimit } from '../../../lib/useRequest';
import { Notice } from '../../../ui/Notice';
import { SignInLink } from '../../../ui/SignInLink';
import { TextField } from '../../../ui/TextField';
import { createPayment } from '../api/createPayment';
import { getPayment } from '../api/getPayment';
import { PAYMENT_METHODS, type Booking, type PaymentMethod } from '../api/types';
import {
  CHOOSING,
  PAYMENT_STORAGE_PREFIX,
  POLL_EVERY_MS,
  methodForPhone,
  paymentErrors,
  paymentFlow,
  paymentInProgress,
  rememberedPayment,
  rememberedPaymentText,
  validatePayment,
  type PaymentFieldCode,
  type PaymentFlow,
  type PaymentFormError,
} from '../payment';
import { counterSlip, type CounterSlip } from '../counter';
import { isPayable } from '../hold';
import { useNow } from '../useNow';
import { METHOD_NAMES } from './labels';

const METHOD_HINTS: Record<PaymentMethod, TKey> = {
  airtel_money: 'bookings.pay.methodHints.airtelMoney',
  moov_money: 'bookings.pay.methodHints.moovMoney',
  card: 'bookings.pay.methodHints.card',
};

const PHONE_LABELS: Record<PaymentMethod, TKey> = {
  airtel_money: 'bookings.pay.phoneAirtel',
  moov_money: 'bookings.pay.phoneMoov',
  card: 'bookings.pay.phoneCard',
};

const PHONE_HINTS: Record<PaymentMethod, TKey> = {
  airtel_money: 'bookings.pay.phoneHintWallet',
  moov_money: 'bookings.pay.phoneHintWallet',
  card: 'bookings.pay.phoneHintCard',
};

const FIELD_ERRORS: Record<PaymentFieldCode, TKey> = {
  required: 'bookings.pay.errors.phone.required',
  'invalid-phone': 'bookings.pay.errors.phone.invalid',
  'wrong-operator': 'bookings.pay.errors.phone.wrongOperator',
};

const WRONG_OPERATOR: Record<PaymentMethod, TKey> = {
  airtel_money: 'bookings.pay.errors.phone.notAirtel',
  moov_money: 'bookings.pay.errors.phone.notMoov',
  card: 'bookings.pay.errors.phone.invalid',
};

const FORM_ERRORS: Record<PaymentFormError, TKey> = {
  'not-payable': 'bookings.pay.errors.form.notPayable',
  'in-progress': 'bookings.pay.errors.form.inProgress',
  unavailable: 'bookings.pay.errors.form.unavailable',
  'signed-out': 'bookings.pay.errors.form.signedOut',
  'not-found': 'bookings.pay.errors.form.notFound',
  'session-expired': 'ui.errors.sessionExpired',
  'too-many-requests': 'ui.errors.tooManyRequests',
  network: 'bookings.pay.errors.form.network',
  timeout: 'bookings.pay.errors.form.timeout',
  invalid: 'bookings.pay.errors.form.invalid',
  unexpected: 'ui.errors.unexpected',
};

interface Props {
  booking: Booking;
  /** `?payment=pay_…`: back from the card page, the payment to follow. */
  followPayment: string | null;
  /** Whether a payment is under way (the page hides cancelling meanwhile). */
  onWaitingChange: (waiting: boolean) => void;
  /** The booking changed on the server (paid, or no longer payable): the page asks for it again. */
  onBookingChanged: () => void;
}

function initialFlow(pnr: string, followPayment: string | null): PaymentFlow {
  const now = Date.now();
  if (followPayment && /^pay_[0-9a-z]{1,40}$/.test(followPayment)) {
    return paymentFlow(CHOOSING, { type: 'follow', id: followPayment, method: 'card', now });
  }
  // A reload while the PIN was being asked: follow that payment again rather than offering to pay twice.
  const kept = rememberedPayment(readSession(PAYMENT_STORAGE_PREFIX + pnr), now);
  return kept ? paymentFlow(CHOOSING, { type: 'follow', ...kept, now }) : CHOOSING;
}

/** Choose Airtel Money, Moov Money or a card; then the PIN on the phone, or the card page; then the outcome. */
export function PaymentPanel({ booking, followPayment, onWaitingChange, onBookingChanged }: Props) {
  const t = useT();
  const storageKey = PAYMENT_STORAGE_PREFIX + booking.pnr;
  const [flow, dispatch] = useReducer(paymentFlow, null, () => initialFlow(booking.pnr, followPayment));
  const [method, setMethod] = useState<PaymentMethod>(() => methodForPhone(booking.contactPhone));
  /** "Pay cash at a counter": nothing is sent, the reference and the deadline are shown. */
  const [atCounter, setAtCounter] = useState(false);
  const [phone, setPhone] = useState(() => formatPhoneNational(booking.contactPhone));
  const [payer, setPayer] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<PaymentFieldCode | null>(null);
  const [formError, setFormError] = useState<PaymentFormError | null>(null);
  const attempt = useRef<{ key: string; request: string } | null>(null);
  // "Payer" stops when the hold runs out, without waiting for the server to say so.
  const now = useNow(5_000, flow.step === 'choose');
  const heading = useRef<HTMLHeadingElement>(null);
  const phoneInput = useRef<HTMLInputElement>(null);
  const callbacks = useRef({ onWaitingChange, onBookingChanged });
  callbacks.current = { onWaitingChange, onBookingChanged };

  // Follow the payment: every 2 s, until it ends or about 2 minutes have passed.
  useEffect(() => {
    if (flow.step !== 'waiting') return;
    let stopped = false;
    const timer = setTimeout(async () => {
      const result = await sendWithTimeLimit((signal) => getPayment(flow.id, signal), 15_000);
      if (stopped) return;
      if (result.ok) dispatch({ type: 'polled', payment: result.data, now: Date.now() });
      else if (result.error.kind === 'problem' && result.error.status === 404) dispatch({ type: 'choose-again' });
      else dispatch({ type: 'poll-failed', now: Date.now() });
    }, POLL_EVERY_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [flow]);

  // Gone (the booking is paid, or no longer payable): nothing is under way any more.
  useEffect(() => () => callbacks.current.onWaitingChange(false), []);

  const step = flow.step;
  useEffect(() => {
    callbacks.current.onWaitingChange(step !== 'choose');
    if (step === 'redirecting' && flow.step === 'redirecting') window.location.assign(flow.url);
    if (step === 'done' || step === 'choose') {
      removeSession(storageKey);
      // The payment of `?payment=` is over: a reload must not follow it again.
      if (followPayment) navigate(`/bookings/${encodeURIComponent(booking.pnr)}`, { replace: true });
    }
    if (step === 'done') callbacks.current.onBookingChanged();
    if (step === 'waiting' || step === 'timed-out' || (step === 'choose' && flow.step === 'choose' && flow.outcome)) {
      heading.current?.focus();
    }
  }, [step]);

  async function pay(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (flow.step !== 'choose' || atCounter) return;
    setFormError(null);
    const code = validatePayment(method, phone);
    setFieldError(code);
    if (code) {
      phoneInput.current?.focus();
      return;
    }
    const body = { pnr: booking.pnr, method, msisdn: normalizeGabonPhone(phone) ?? phone.trim() };
    // Sent again after a lost answer, the same payment keeps its key: the phone is asked once.
    attempt.current = keyForAttempt(attempt.current, JSON.stringify(body));
    const key = attempt.current.key;
    dispatch({ type: 'start', method });
    setPayer(phone.trim());
    const result = await sendWithTimeLimit((signal) => createPayment(body, key, signal));
    if (result.ok) {
      attempt.current = null; // answered: another payment is another request
      writeSession(storageKey, rememberedPaymentText(result.data.id, method, Date.now()));
      dispatch({ type: 'started', payment: result.data, now: Date.now() });
      return;
    }
    const problems = paymentErrors(result.error);
    if (result.error.kind === 'problem') attempt.current = null;
    dispatch({ type: 'start-failed' });
    if (problems.form === 'in-progress' && result.error.kind === 'problem') {
      // A payment of this booking is still open: follow it rather than asking the phone again.
      const open =
        rememberedPayment(readSession(storageKey), Date.now(), Infinity) ??
        (paymentInProgress(result.error) ? { id: paymentInProgress(result.error) as string, method } : null);
      if (open) {
        dispatch({ type: 'follow', ...open, now: Date.now() });
        return;
      }
    }
    if (problems.form === 'not-payable') callbacks.current.onBookingChanged();
    setFieldError(problems.field ?? null);
    setFormError(problems.form ?? null);
    if (problems.field) phoneInput.current?.focus();
  }

  // An exchange's booking is paid its difference, not its total.
  const amount = formatMoneyXAF(booking.amountDue ?? booking.total);

  if (flow.step === 'waiting') {
    const mobile = flow.method !== 'card';
    return (
      <section className="payment payment--waiting" aria-labelledby="payment-title">
        <h2 id="payment-title" ref={heading} tabIndex={-1}>
          {flow.paid
            ? t('bookings.pay.paidTitle')
            : mobile
              ? t('bookings.pay.confirmOnPhoneTitle')
              : t('bookings.pay.checkingCardTitle')}
        </h2>
        {mobile && !flow.paid ? (
          <p>
            {payer
              ? t('bookings.pay.confirmOnPhoneText', {
                  amount,
                  phone: payer,
                  method: t(METHOD_NAMES[flow.method]),
                })
              : t('bookings.pay.confirmOnPhoneTextShort', { amount, method: t(METHOD_NAMES[flow.method]) })}
          </p>
        ) : null}
        <p className="request-status__loading" role="status">
          <span className="request-status__spinner" aria-hidden="true" />
          {flow.paid ? t('bookings.pay.confirmingBooking') : t('bookings.pay.waiting')}
        </p>
        {mobile && !flow.paid ? <p className="field__hint">{t('bookings.pay.waitingHint')}</p> : null}
      </section>
    );
  }

  if (flow.step === 'redirecting') {
    return (
      <section className="payment" aria-labelledby="payment-title">
        <h2 id="payment-title">{t('bookings.pay.redirectingTitle')}</h2>
        <p role="status">{t('bookings.pay.redirectingText')}</p>
        <p>
          <a className="button" href={flow.url}>
            {t('bookings.pay.redirectingLink')}
          </a>
        </p>
      </section>
    );
  }

  if (flow.step === 'timed-out') {
    return (
      <section className="payment" aria-labelledby="payment-title">
        <h2 id="payment-title" ref={heading} tabIndex={-1}>
          {t('bookings.pay.timedOutTitle')}
        </h2>
        <Notice tone="error">
          <p>{t('bookings.pay.timedOutText')}</p>
        </Notice>
        <p className="actions">
          <button
            type="button"
            className="button"
            onClick={() => dispatch({ type: 'follow', id: flow.id, method: flow.method, now: Date.now() })}
          >
            {t('bookings.pay.checkAgain')}
          </button>
          <button
            type="button"
            className="button button--secondary"
            onClick={() => dispatch({ type: 'choose-again' })}
          >
            {t('bookings.pay.payAnotherWay')}
          </button>
        </p>
      </section>
    );
  }

  if (flow.step === 'done') {
    return (
      <section className="payment" aria-labelledby="payment-title">
        <h2 id="payment-title">{t('bookings.pay.paidTitle')}</h2>
        <p className="request-status__loading" role="status">
          <span className="request-status__spinner" aria-hidden="true" />
          {t('bookings.pay.confirmingBooking')}
        </p>
      </section>
    );
  }

  const starting = flow.step === 'starting';
  const outcome = flow.step === 'choose' ? flow.outcome : null;
  const payable = isPayable(booking, now);
  const phoneErrorText = fieldError
    ? t(fieldError === 'wrong-operator' ? WRONG_OPERATOR[method] : FIELD_ERRORS[fieldError])
    : undefined;

  return (
    <section className="payment" aria-labelledby="payment-title">
      <h2 id="payment-title" ref={heading} tabIndex={-1}>
        {t('bookings.pay.title', { amount })}
      </h2>
      {outcome ? (
        <Notice tone="error">
          <p>{t(outcome === 'expired' ? 'bookings.pay.expiredOutcome' : 'bookings.pay.failedOutcome')}</p>
        </Notice>
      ) : null}
      {formError ? (
        <Notice tone="error">
          <p>{t(FORM_ERRORS[formError])}</p>
          {formError === 'signed-out' ? (
            <p>
              <SignInLink className="button button--secondary" returnTo={`/bookings/${booking.pnr}`} />
            </p>
          ) : null}
        </Notice>
      ) : null}
      <form className="form payment__form" noValidate onSubmit={pay}>
        <fieldset className="choice-group">
          <legend>{t('bookings.pay.method')}</legend>
          <div className="choice-group__options">
            {PAYMENT_METHODS.map((option) => (
              <label key={option} className="choice">
                <input
                  type="radio"
                  name="payment-method"
                  value={option}
                  checked={!atCounter && method === option}
                  onChange={() => {
                    setMethod(option);
                    setAtCounter(false);
                    setFieldError(null);
                  }}
                />
                <span>
                  {t(METHOD_NAMES[option])} <span className="choice__hint">{t(METHOD_HINTS[option])}</span>
                </span>
              </label>
            ))}
            <label className="choice">
              <input
                type="radio"
                name="payment-method"
                value="counter"
                checked={atCounter}
                onChange={() => {
                  setAtCounter(true);
                  setFieldError(null);
                  setFormError(null);
                }}
              />
              <span>
                {t('bookings.pay.methods.counter')}{' '}
                <span className="choice__hint">{t('bookings.pay.methodHints.counter')}</span>
              </span>
            </label>
          </div>
        </fieldset>
        {atCounter ? (
          <CounterPanel slip={counterSlip(booking, now)} onPaid={() => callbacks.current.onBookingChanged()} />
        ) : (
          <>
            <TextField
              ref={phoneInput}
              id="payment-phone"
              name="msisdn"
              type="tel"
              inputMode="tel"
              autoComplete="tel-national"
              label={t(PHONE_LABELS[method])}
              hint={t(PHONE_HINTS[method])}
              error={phoneErrorText}
              maxLength={20}
              value={phone}
              onChange={(event) => {
                setPhone(event.target.value);
                setFieldError(null);
              }}
            />
            <button
              type="submit"
              className="button payment__submit"
              disabled={starting || !payable}
              aria-busy={starting || undefined}
            >
              {starting ? t('bookings.pay.starting') : t('bookings.pay.submit', { amount })}
            </button>
          </>
        )}
      </form>
    </section>
  );
}

/** Cash at a counter: the reference in large type, the amount and the time the seats are held until. */
function CounterPanel({ slip, onPaid }: { slip: CounterSlip | null; onPaid: () => void }) {
  const t = useT();
  const lang = useLang();
  if (!slip) {
    return (
      <Notice tone="error">
        <p>{t('bookings.pay.counter.tooLate')}</p>
      </Notice>
    );
  }
  return (
    <section className="counter-slip" aria-labelledby="counter-slip-title">
      <h3 id="counter-slip-title" className="counter-slip__title">
        {t('bookings.pay.counter.title')}
      </h3>
      <p className="counter-slip__label">{t('bookings.pay.counter.reference')}</p>
      <p className="counter-slip__pnr">{slip.pnr}</p>
      <p className="counter-slip__amount">{t('bookings.pay.counter.amount', { amount: formatMoneyXAF(slip.amount) })}</p>
      <p className="counter-slip__deadline">
        <time dateTime={slip.deadline}>
          {t('bookings.pay.counter.deadline', { date: formatDate(slip.deadline), time: formatTime(slip.deadline, lang) })}
        </time>
      </p>
      <p>{t('bookings.pay.counter.released')}</p>
      <p className="field__hint">{t('bookings.pay.counter.how')}</p>
      <button type="button" className="button button--secondary payment__submit" onClick={onPaid}>
        {t('bookings.pay.counter.paid')}
      </button>
    </section>
  );
}
