import { useEffect, useRef, useState } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import { formatDate, formatMoneyXAF, formatTime } from '../../../lib/format';
import { keyForAttempt } from '../../../lib/ids';
import { sendWithTimeLimit } from '../../../lib/useRequest';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { listRefunds } from '../api/listRefunds';
import { payRefundCash } from '../api/payRefundCash';
import {
  cashDue,
  refundError,
  refundView,
  withRefund,
  type Refund,
  type RefundError,
  type RefundList,
} from '../refunds';
import { named } from './labels';
import { PnrLookupForm } from './PnrLookupForm';

interface Props {
  access: Access;
  onRetry: () => void;
}

/** `/agent/refund`: the refunds of a booking, and those owed in cash handed over at the counter. */
export function RefundPage({ access, onRetry }: Props) {
  const t = useT();
  return (
    <>
      <PageTitle>{t('agent.refund.title')}</PageTitle>
      <AreaGate
        access={access}
        path="/agent/refund"
        signedOutText={t('agent.area.signedOut')}
        notAllowedText={t('agent.refund.notAllowed')}
        onRetry={onRetry}
      >
        <RefundScreen />
      </AreaGate>
    </>
  );
}

const ERRORS: Record<RefundError, TKey> = {
  'not-owed': 'agent.refund.notOwed',
  unknown: 'agent.refund.unknownRefund',
  invalid: 'agent.collect.pnrInvalid',
  'not-allowed': 'agent.refund.notAllowed',
  'signed-out': 'agent.area.signedOut',
  'session-expired': 'ui.errors.sessionExpired',
  'too-many-requests': 'ui.errors.tooManyRequests',
  network: 'ui.errors.network',
  timeout: 'ui.errors.timeout',
  unexpected: 'ui.errors.unexpected',
};

export const REASON_NAMES: Record<string, TKey> = {
  cancellation: 'agent.refund.reasons.cancellation',
  'trip-cancelled': 'agent.refund.reasons.tripCancelled',
  exchange: 'agent.refund.reasons.exchange',
};

export const METHOD_NAMES: Record<string, TKey> = {
  card: 'agent.refund.methods.card',
  cash: 'agent.refund.methods.cash',
  airtel_money: 'agent.refund.methods.airtelMoney',
  moov_money: 'agent.refund.methods.moovMoney',
};

function RefundScreen() {
  const t = useT();
  const [list, setList] = useState<RefundList | null>(null);
  const [round, setRound] = useState(0);

  async function lookup(pnr: string): Promise<string | null> {
    setList(null);
    const result = await sendWithTimeLimit((signal) => listRefunds(pnr, signal));
    if (result.ok) {
      setList({ ...result.data, pnr: result.data.pnr || pnr });
      setRound((n) => n + 1);
      return null;
    }
    const code = refundError(result.error);
    return code === 'unknown' ? t('agent.refund.unknownPnr', { pnr }) : t(ERRORS[code]);
  }

  return (
    <div className="collect">
      <p>{t('agent.refund.intro')}</p>
      <PnrLookupForm
        id="refund-pnr"
        findLabel={t('agent.refund.find')}
        findingLabel={t('agent.refund.finding')}
        lookup={lookup}
      />
      {list ? <BookingRefunds key={`${list.pnr}:${round}`} initial={list} /> : null}
    </div>
  );
}

function BookingRefunds({ initial }: { initial: RefundList }) {
  const t = useT();
  const [list, setList] = useState(initial);
  const heading = useRef<HTMLHeadingElement>(null);
  const due = cashDue(list.refunds);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  async function reload() {
    const again = await sendWithTimeLimit((signal) => listRefunds(list.pnr, signal));
    if (again.ok) setList({ ...again.data, pnr: again.data.pnr || list.pnr });
  }

  return (
    <section className="refunds" aria-labelledby="refunds-title">
      <h2 id="refunds-title" ref={heading} tabIndex={-1}>
        {t('agent.refund.listTitle', { pnr: list.pnr })}
      </h2>
      {list.refunds.length === 0 ? (
        <p>{t('agent.refund.none', { pnr: list.pnr })}</p>
      ) : (
        <>
          <p>
            {due > 0
              ? t('agent.refund.cashDue', { amount: formatMoneyXAF(due) })
              : t('agent.refund.nothingDue')}
          </p>
          <ul className="refunds__list">
            {list.refunds.map((refund) => (
              <RefundItem
                key={refund.reference}
                refund={refund}
                onPaid={(paid) => setList((current) => withRefund(current, paid))}
                onChanged={() => void reload()}
              />
            ))}
          </ul>
        </>
      )}
      <p>
        <Link to="/agent/till">{t('agent.till.title')}</Link>
      </p>
    </section>
  );
}

type PayState =
  | { kind: 'idle' }
  | { kind: 'confirming' }
  | { kind: 'paying' }
  | { kind: 'failed'; message: string }
  | { kind: 'paid' };

function RefundItem({
  refund,
  onPaid,
  onChanged,
}: {
  refund: Refund;
  onPaid: (refund: Refund) => void;
  onChanged: () => void;
}) {
  const t = useT();
  const lang = useLang();
  const [state, setState] = useState<PayState>({ kind: 'idle' });
  const attempt = useRef<{ key: string; request: string } | null>(null);
  const question = useRef<HTMLParagraphElement>(null);
  const title = useRef<HTMLHeadingElement>(null);
  const view = refundView(refund);
  const amount = formatMoneyXAF(refund.amount);
  const titleId = `refund-${refund.reference}`;

  useEffect(() => {
    if (state.kind === 'confirming') question.current?.focus();
    if (state.kind === 'paid') title.current?.focus();
  }, [state.kind]);

  async function pay() {
    attempt.current = keyForAttempt(attempt.current, refund.reference);
    const key = attempt.current.key;
    setState({ kind: 'paying' });
    const result = await sendWithTimeLimit((signal) => payRefundCash(refund.reference, key, signal));
    if (result.ok) {
      attempt.current = null;
      setState({ kind: 'paid' });
      onPaid(result.data);
      return;
    }
    const code = refundError(result.error);
    if (code !== 'network' && code !== 'timeout') attempt.current = null;
    setState({ kind: 'failed', message: t(ERRORS[code]) });
    if (code === 'not-owed') onChanged(); // paid meanwhile, or going back to a wallet: the list says which now
  }

  let status: string;
  switch (view) {
    case 'cash-due':
      status = t('agent.refund.status.cashDue');
      break;
    case 'paid':
      if (!refund.paidAt) status = t('agent.refund.status.paid');
      else {
        // Handed over at a counter (an agent is named, or it could not go back to a wallet), or back to the wallet.
        const inCash = refund.paidBy !== null || refund.method === 'card' || refund.method === 'cash';
        const when = { date: formatDate(refund.paidAt), time: formatTime(refund.paidAt, lang) };
        status = t(inCash ? 'agent.refund.status.paidCash' : 'agent.refund.status.paidOn', when);
      }
      break;
    case 'to-wallet':
      status = t('agent.refund.status.toWallet');
      break;
    case 'failed':
      status = t('agent.refund.status.failed');
      break;
  }

  return (
    <li className={`refund refund--${view}`} aria-labelledby={titleId}>
      <h3 id={titleId} ref={title} tabIndex={-1} className="refund__title">
        {view === 'paid'
          ? t('agent.refund.paidTitle', { amount })
          : t('agent.refund.itemTitle', { amount })}
      </h3>
      <p className="refund__status">{status}</p>
      <p className="muted">
        {[
          refund.reason ? named(REASON_NAMES, refund.reason, t) : null,
          refund.method ? t('agent.refund.paidWith', { method: named(METHOD_NAMES, refund.method, t) }) : null,
          refund.createdAt
            ? t('agent.refund.since', { date: formatDate(refund.createdAt), time: formatTime(refund.createdAt, lang) })
            : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <p className="muted refund__reference">{t('agent.refund.reference', { reference: refund.reference })}</p>
      {view === 'cash-due' && state.kind !== 'confirming' && state.kind !== 'paying' ? (
        <p>
          <button type="button" className="button" onClick={() => setState({ kind: 'confirming' })}>
            {t('agent.refund.payCash', { amount })}
          </button>
        </p>
      ) : null}
      {view === 'cash-due' && (state.kind === 'confirming' || state.kind === 'paying') ? (
        <div className="refund__confirm">
          <p ref={question} tabIndex={-1} className="refund__question">
            {t('agent.refund.confirmQuestion', { amount, pnr: refund.pnr })}
          </p>
          <p className="actions">
            <button
              type="button"
              className="button"
              disabled={state.kind === 'paying'}
              aria-busy={state.kind === 'paying' || undefined}
              onClick={() => void pay()}
            >
              {state.kind === 'paying' ? t('agent.refund.paying') : t('agent.refund.confirm', { amount })}
            </button>
            <button
              type="button"
              className="button button--secondary"
              disabled={state.kind === 'paying'}
              onClick={() => setState({ kind: 'idle' })}
            >
              {t('agent.refund.cancel')}
            </button>
          </p>
        </div>
      ) : null}
      {state.kind === 'failed' ? <Notice tone="error">{state.message}</Notice> : null}
      {state.kind === 'paid' ? (
        <p role="status" className="refund__done">
          {t('agent.refund.done', { amount })}
        </p>
      ) : null}
    </li>
  );
}
