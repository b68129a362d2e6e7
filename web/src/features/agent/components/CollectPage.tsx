import { useEffect, useRef, useState } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import { formatDate, formatDayDate, formatMoneyXAF, formatTime } from '../../../lib/format';
import { keyForAttempt } from '../../../lib/ids';
import { sendWithTimeLimit } from '../../../lib/useRequest';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { getBooking } from '../api/getBooking';
import { ticketsAfterCash } from './ticketsAfterCash';
import { payCash } from '../api/payCash';
import type { Booking, Ticket } from '../api/types';
import { amountToCollect, collectError, collectStatus, type CollectError, type CollectStatus } from '../collect';
import { TYPE_NAMES, named } from './labels';
import { PnrLookupForm } from './PnrLookupForm';
import { SaleTickets } from './SaleTickets';

interface Props {
  access: Access;
  onRetry: () => void;
}

/** `/agent/collect`: the cash for a booking made online by a customer who chose to pay at the counter. */
export function CollectPage({ access, onRetry }: Props) {
  const t = useT();
  return (
    <>
      <PageTitle>{t('agent.collect.title')}</PageTitle>
      <AreaGate
        access={access}
        path="/agent/collect"
        signedOutText={t('agent.area.signedOut')}
        notAllowedText={t('agent.collect.notAllowed')}
        onRetry={onRetry}
      >
        <CollectScreen />
      </AreaGate>
    </>
  );
}

const LOOKUP_ERRORS: Record<Exclude<CollectError, 'unknown-pnr' | 'not-payable' | 'in-progress'>, TKey> = {
  'not-allowed': 'agent.collect.notAllowed',
  'signed-out': 'agent.area.signedOut',
  'session-expired': 'ui.errors.sessionExpired',
  'too-many-requests': 'ui.errors.tooManyRequests',
  network: 'ui.errors.network',
  timeout: 'ui.errors.timeout',
  unexpected: 'ui.errors.unexpected',
};

const STATUS_TEXTS: Record<Exclude<CollectStatus, 'due'>, TKey> = {
  paid: 'agent.collect.paid',
  expired: 'agent.collect.expired',
  closed: 'agent.collect.closed',
};

function CollectScreen() {
  const t = useT();
  const [booking, setBooking] = useState<Booking | null>(null);
  const [round, setRound] = useState(0);

  async function lookup(pnr: string): Promise<string | null> {
    setBooking(null);
    const result = await sendWithTimeLimit((signal) => getBooking(pnr, signal));
    if (result.ok) {
      setBooking(result.data);
      setRound((n) => n + 1);
      return null;
    }
    const code = collectError(result.error);
    if (code === 'unknown-pnr') return t('agent.collect.unknown', { pnr });
    if (code === 'not-payable' || code === 'in-progress') return t('ui.errors.unexpected');
    return t(LOOKUP_ERRORS[code]);
  }

  return (
    <div className="collect">
      <PnrLookupForm
        id="collect-pnr"
        findLabel={t('agent.collect.find')}
        findingLabel={t('agent.collect.finding')}
        lookup={lookup}
      />
      {booking ? <CollectBooking key={`${booking.pnr}:${round}`} initial={booking} /> : null}
    </div>
  );
}

type CashState =
  | { kind: 'due' }
  | { kind: 'paying' }
  | { kind: 'failed'; message: string }
  | { kind: 'paid'; tickets: Ticket[] | null; ticketsFailed: boolean };

function CollectBooking({ initial }: { initial: Booking }) {
  const t = useT();
  const lang = useLang();
  const [booking, setBooking] = useState(initial);
  const [state, setState] = useState<CashState>({ kind: 'due' });
  const paymentKey = useRef<{ key: string; request: string } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const status = collectStatus(booking, Date.now());
  const amount = formatMoneyXAF(amountToCollect(booking));

  useEffect(() => {
    heading.current?.focus();
  }, [state.kind, status]);

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
    if (result.ok) return setState({ kind: 'failed', message: t('agent.sale.cash.notTaken') });
    const code = collectError(result.error);
    if (code === 'not-payable' || code === 'unknown-pnr') {
      // Paid meanwhile, expired or cancelled: the booking as it is now says which.
      const again = await sendWithTimeLimit((signal) => getBooking(booking.pnr, signal));
      if (again.ok) {
        setState({ kind: 'due' });
        setBooking(again.data);
        return;
      }
      return setState({ kind: 'failed', message: t('ui.errors.unexpected') });
    }
    const message: Record<Exclude<CollectError, 'not-payable' | 'unknown-pnr'>, TKey> = {
      'in-progress': 'agent.sale.cash.inProgress',
      timeout: 'agent.sale.cash.timeout',
      'not-allowed': 'agent.collect.notAllowed',
      'signed-out': 'agent.area.signedOut',
      'session-expired': 'ui.errors.sessionExpired',
      'too-many-requests': 'ui.errors.tooManyRequests',
      network: 'ui.errors.network',
      unexpected: 'ui.errors.unexpected',
    };
    setState({ kind: 'failed', message: t(message[code]) });
  }

  const paid = state.kind === 'paid';
  const tone = paid ? ' booking-status--success' : status === 'due' ? '' : ' booking-status--error';
  return (
    <div className="sale-cash">
      <section className={`booking-status no-print${tone}`} aria-labelledby="collect-title">
        <h2 id="collect-title" ref={heading} tabIndex={-1} className="booking-status__title">
          {paid
            ? t('agent.sale.cash.paidTitle', { pnr: booking.pnr })
            : status === 'due'
              ? t('agent.sale.cash.dueTitle', { pnr: booking.pnr })
              : t(STATUS_TEXTS[status], { pnr: booking.pnr })}
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
              {p.seat ? t('agent.common.seat', { coach: p.seat.coach, seat: p.seat.seat }) : t('agent.common.lapInfant')}
            </li>
          ))}
        </ul>
        {status === 'due' || paid ? (
          <p className="sale-cash__total">
            {t(paid ? 'agent.sale.cash.totalPaid' : 'agent.sale.cash.total', { amount })}
          </p>
        ) : null}
        {!paid && status === 'due' && booking.holdExpiresAt ? (
          <p>
            {t('agent.collect.heldUntil', {
              date: formatDate(booking.holdExpiresAt),
              time: formatTime(booking.holdExpiresAt, lang),
            })}
          </p>
        ) : null}
        {status === 'due' && (state.kind === 'due' || state.kind === 'failed' || state.kind === 'paying') ? (
          <button type="button" className="button" disabled={state.kind === 'paying'} onClick={() => void takeCash()}>
            {state.kind === 'paying' ? t('agent.sale.cash.paying') : t('agent.sale.cash.take', { amount })}
          </button>
        ) : null}
        {state.kind === 'failed' ? <Notice tone="error">{state.message}</Notice> : null}
        {paid ? <p>{t('agent.sale.cash.paidText', { amount })}</p> : null}
      </section>

      {state.kind === 'paid' ? (
        <section aria-labelledby="sale-tickets-title" className="sale-tickets-section">
          <h2 id="sale-tickets-title" className="no-print">
            {t('agent.sale.tickets.title')}
          </h2>
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
              </div>
              <SaleTickets tickets={state.tickets} />
            </>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
