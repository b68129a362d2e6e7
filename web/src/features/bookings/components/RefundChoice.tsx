import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useT, type TKey } from '../../../i18n';
import { formatDate, formatMoneyXAF, formatPhoneNational, normalizeGabonPhone } from '../../../lib/format';
import { keyForAttempt } from '../../../lib/ids';
import type { Refund } from '../../../lib/refunds';
import { sendWithTimeLimit } from '../../../lib/useRequest';
import { Notice } from '../../../ui/Notice';
import { TextField } from '../../../ui/TextField';
import { listRefunds } from '../api/listRefunds';
import { sendRefundToWallet } from '../api/sendRefundToWallet';
import type { Booking } from '../api/types';
import {
  keepsAttempt,
  refundMoving,
  refundState,
  refundsMayStillCome,
  validateWalletNumber,
  walletBody,
  walletErrors,
  walletOf,
  type WalletFieldCode,
  type WalletFormError,
} from '../refundChoice';

const TRIES = 8;
const PAUSE_MS = 2_500;

const FIELD_ERRORS: Record<WalletFieldCode, TKey> = {
  required: 'bookings.cashRefund.errors.phone.required',
  'invalid-phone': 'bookings.cashRefund.errors.phone.invalid',
};

const FORM_ERRORS: Record<WalletFormError, TKey> = {
  'not-owed': 'bookings.cashRefund.errors.form.notOwed',
  unknown: 'bookings.cashRefund.errors.form.unknown',
  invalid: 'bookings.cashRefund.errors.form.invalid',
  'signed-out': 'bookings.cashRefund.errors.form.signedOut',
  'session-expired': 'ui.errors.sessionExpired',
  'too-many-requests': 'ui.errors.tooManyRequests',
  unavailable: 'bookings.cashRefund.errors.form.unavailable',
  network: 'bookings.cashRefund.errors.form.network',
  timeout: 'bookings.cashRefund.errors.form.timeout',
  unexpected: 'ui.errors.unexpected',
};

interface Sent {
  phone: string;
  wallet: 'airtel' | 'moov' | null;
}

/**
 * For a booking with money owed back: its refunds (`GET /api/v1/payments/refunds?pnr=`, any device). One owed in cash
 * offers two choices: an Airtel Money or Moov Money number (the refund is sent there), or a SETRAG counter. One on its
 * way or paid says so. `onRefundMoving` asks the page to follow the booking until it says "Remboursé". The refund is
 * recorded a moment after the cancellation, so the list is asked a few times while it is empty or unanswered.
 */
export function RefundChoice({ booking, onRefundMoving }: { booking: Booking; onRefundMoving: () => void }) {
  const [refunds, setRefunds] = useState<Refund[] | null>(null);
  const [asked, setAsked] = useState(0);
  const [sent, setSent] = useState<Record<string, Sent>>({});
  const pnr = booking.pnr;
  const movingRef = useRef(onRefundMoving);
  movingRef.current = onRefundMoving;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async (attempt: number) => {
      const result = await sendWithTimeLimit((signal) => listRefunds(pnr, signal));
      if (stopped) return;
      if (result.ok) {
        setRefunds(result.data.refunds);
        if (!refundsMayStillCome(result.data.refunds)) return;
      } else if (result.error.kind === 'problem' && result.error.status < 500 && result.error.status !== 429) {
        return; // not this customer's, or signed out: nothing to show
      }
      if (attempt + 1 < TRIES) timer = setTimeout(() => void ask(attempt + 1), PAUSE_MS);
    };
    void ask(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [pnr, asked]);

  const moving = refunds !== null && refundMoving(refunds);
  useEffect(() => {
    if (moving) movingRef.current();
  }, [moving]);

  if (!refunds || refunds.length === 0) return null;
  return (
    <>
      {refunds.map((refund) =>
        sent[refund.reference] ? (
          <SentNotice key={refund.reference} refund={refund} sent={sent[refund.reference]} />
        ) : (
          <RefundItem
            key={refund.reference}
            refund={refund}
            pnr={pnr}
            contactPhone={booking.contactPhone}
            onSent={(answer, to) => {
              setSent((all) => ({ ...all, [refund.reference]: to }));
              setRefunds((list) => (list ?? []).map((r) => (r.reference === answer.reference ? answer : r)));
              movingRef.current();
            }}
            onStale={() => setAsked((n) => n + 1)}
          />
        ),
      )}
    </>
  );
}

interface RefundItemProps {
  refund: Refund;
  pnr: string;
  contactPhone: string;
  onSent: (answer: Refund, to: Sent) => void;
  onStale: () => void;
}

function RefundItem({
  refund,
  pnr,
  contactPhone,
  onSent,
  onStale,
}: RefundItemProps) {
  const t = useT();
  const amount = formatMoneyXAF(refund.amount);
  switch (refundState(refund)) {
    case 'owed':
      return <OwedRefund refund={refund} pnr={pnr} contactPhone={contactPhone} onSent={onSent} onStale={onStale} />;
    case 'on-its-way':
      return (
        <Notice tone="info">
          <p>{t('bookings.cashRefund.onItsWay', { amount })}</p>
        </Notice>
      );
    case 'paid':
      return (
        <Notice tone="success">
          <p>
            {refund.paidAt
              ? t('bookings.cashRefund.paidOn', { amount, date: formatDate(refund.paidAt) })
              : t('bookings.cashRefund.paid', { amount })}
          </p>
        </Notice>
      );
    case 'failed':
      return (
        <Notice tone="info">
          <p>{t('bookings.cashRefund.failed', { amount, pnr })}</p>
        </Notice>
      );
  }
}

function SentNotice({ refund, sent }: { refund: Refund; sent: Sent }) {
  const t = useT();
  const heading = useRef<HTMLParagraphElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <Notice tone="success">
      <p ref={heading} tabIndex={-1}>
        <strong>{t('bookings.cashRefund.sentTitle', { phone: sent.phone })}</strong>
      </p>
      <p>
        {t('bookings.cashRefund.sentText', {
          amount: formatMoneyXAF(refund.amount),
          wallet: sent.wallet ? t(`bookings.cashRefund.wallets.${sent.wallet}`) : 'mobile money',
        })}
      </p>
    </Notice>
  );
}

/** A refund owed in cash: to a wallet (a number, checked, confirmed, sent) or at a counter. */
function OwedRefund({
  refund,
  pnr,
  contactPhone,
  onSent,
  onStale,
}: RefundItemProps) {
  const t = useT();
  const amount = formatMoneyXAF(refund.amount);
  const titleId = `refund-${refund.reference}-title`;
  const [open, setOpen] = useState(false);
  const [phone, setPhone] = useState(() => {
    const normal = normalizeGabonPhone(contactPhone);
    return normal ? formatPhoneNational(normal) : '';
  });
  const [fieldError, setFieldError] = useState<WalletFieldCode | null>(null);
  const [formError, setFormError] = useState<WalletFormError | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [sending, setSending] = useState(false);
  const attempt = useRef<{ key: string; request: string } | null>(null);
  const phoneInput = useRef<HTMLInputElement>(null);
  const question = useRef<HTMLParagraphElement>(null);
  const [focusPhone, setFocusPhone] = useState(0);

  useEffect(() => {
    if (focusPhone > 0) phoneInput.current?.focus();
  }, [focusPhone]);
  useEffect(() => {
    if (confirming) question.current?.focus();
  }, [confirming]);

  const national = formatPhoneNational(normalizeGabonPhone(phone) ?? phone.trim());
  const wallet = walletOf(phone);

  const check = (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const problem = validateWalletNumber(phone);
    setFieldError(problem);
    if (problem) return setFocusPhone((n) => n + 1);
    setConfirming(true);
  };

  const send = async () => {
    if (sending) return;
    const body = walletBody(phone);
    attempt.current = keyForAttempt(attempt.current, `${refund.reference} ${body.msisdn}`);
    const key = attempt.current.key;
    setSending(true);
    setFormError(null);
    const result = await sendWithTimeLimit((signal) => sendRefundToWallet(refund.reference, body, key, signal));
    setSending(false);
    if (result.ok) {
      attempt.current = null;
      onSent(result.data, { phone: national, wallet });
      return;
    }
    if (!keepsAttempt(result.error)) attempt.current = null;
    const { field, form } = walletErrors(result.error);
    setConfirming(false);
    if (field) {
      setFieldError(field);
      setFocusPhone((n) => n + 1);
      return;
    }
    setFormError(form ?? 'unexpected');
    if (form === 'not-owed' || form === 'unknown') onStale();
  };

  return (
    <section className="booking-section refund-choice" aria-labelledby={titleId}>
      <h2 id={titleId}>{t('bookings.cashRefund.title', { amount })}</h2>
      <p>{t(refund.method === 'card' ? 'bookings.cashRefund.whyCard' : 'bookings.cashRefund.whyOther')}</p>
      <ul className="refund-choice__choices" aria-label={t('bookings.cashRefund.choices', { amount })}>
        <li className="refund-choice__choice">
          <button
            type="button"
            className={open ? 'button button--secondary' : 'button'}
            aria-expanded={open}
            onClick={() => {
              setOpen(!open);
              setConfirming(false);
              if (!open) setFocusPhone((n) => n + 1);
            }}
          >
            {t('bookings.cashRefund.toWallet')}
          </button>
          <p>{t('bookings.cashRefund.toWalletHint')}</p>
          {open ? (
            <form noValidate onSubmit={check} className="refund-choice__form">
              <TextField
                ref={phoneInput}
                id={`refund-${refund.reference}-phone`}
                name="msisdn"
                type="tel"
                inputMode="tel"
                autoComplete="tel-national"
                label={t('bookings.cashRefund.phone')}
                hint={t('bookings.cashRefund.phoneHint')}
                error={fieldError ? t(FIELD_ERRORS[fieldError]) : undefined}
                maxLength={20}
                value={phone}
                readOnly={confirming || sending}
                onChange={(event) => {
                  setPhone(event.target.value);
                  setFieldError(null);
                  setConfirming(false);
                }}
              />
              {confirming ? (
                <div className="refund-choice__confirm">
                  <p ref={question} tabIndex={-1}>
                    {t('bookings.cashRefund.confirm', {
                      amount,
                      phone: national,
                      wallet: wallet ? t(`bookings.cashRefund.wallets.${wallet}`) : '',
                    })}
                  </p>
                  <p className="refund-choice__buttons">
                    <button type="button" className="button" disabled={sending} onClick={() => void send()}>
                      {t('bookings.cashRefund.confirmYes', { phone: national })}
                    </button>
                    <button
                      type="button"
                      className="button button--secondary"
                      disabled={sending}
                      onClick={() => {
                        setConfirming(false);
                        setFocusPhone((n) => n + 1);
                      }}
                    >
                      {t('bookings.cashRefund.confirmNo')}
                    </button>
                  </p>
                  {sending ? (
                    <p role="status" className="muted">
                      {t('bookings.cashRefund.sending')}
                    </p>
                  ) : null}
                </div>
              ) : (
                <button type="submit" className="button">
                  {t('bookings.cashRefund.send', { amount })}
                </button>
              )}
              {formError ? (
                <Notice tone="error">
                  <p>{t(FORM_ERRORS[formError])}</p>
                </Notice>
              ) : null}
            </form>
          ) : null}
        </li>
        <li className="refund-choice__choice">
          <h3>{t('bookings.cashRefund.atCounter')}</h3>
          <p>{t('bookings.cashRefund.atCounterText', { pnr })}</p>
        </li>
      </ul>
    </section>
  );
}
