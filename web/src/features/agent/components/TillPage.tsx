import { useState } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import { formatDayDate, formatMoneyXAF, formatTime } from '../../../lib/format';
import { useRequest } from '../../../lib/useRequest';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { getTill } from '../api/getTill';
import { refundError, tillDays, type Till, type TillLine } from '../refunds';
import { countText } from './labels';

interface Props {
  access: Access;
  onRetry: () => void;
}

/** `/agent/till`: "Ma caisse du jour": the cash the agent took, the refunds handed over, and what the drawer holds. */
export function TillPage({ access, onRetry }: Props) {
  const t = useT();
  return (
    <>
      <PageTitle>{t('agent.till.title')}</PageTitle>
      <AreaGate
        access={access}
        path="/agent/till"
        signedOutText={t('agent.area.signedOut')}
        notAllowedText={t('agent.refund.notAllowed')}
        onRetry={onRetry}
      >
        <TillScreen />
      </AreaGate>
    </>
  );
}

function TillScreen() {
  const t = useT();
  const lang = useLang();
  const days = tillDays();
  const [day, setDay] = useState(days.today);
  const [round, setRound] = useState(0);
  const state = useRequest(`till/${day}/${round}`, (signal) => getTill(day, signal));

  return (
    <div className="till">
      <p className="trip-search__quick-dates">
        {(
          [
            [days.today, 'agent.till.today'],
            [days.yesterday, 'agent.till.yesterday'],
          ] as Array<[string, TKey]>
        ).map(([value, label]) => (
          <button key={value} type="button" className="chip" aria-pressed={day === value} onClick={() => setDay(value)}>
            {t(label)}
          </button>
        ))}
        <button type="button" className="button button--secondary button--small" onClick={() => setRound((n) => n + 1)}>
          {t('agent.till.refresh')}
        </button>
      </p>
      <h2>{t('agent.till.dayTitle', { date: formatDayDate(day, lang) })}</h2>
      {state.status === 'done' ? (
        <TillSummary till={state.data} />
      ) : state.status === 'failed' && state.error.kind === 'problem' && state.error.status < 500 ? (
        <Notice tone="error">{t(refundErrorText(state.error))}</Notice>
      ) : (
        <RequestStatus state={state} loadingText={t('agent.till.loading')} onRetry={state.retry} />
      )}
      <p>
        <Link to="/agent/refund">{t('agent.refund.title')}</Link>
      </p>
    </div>
  );
}

function refundErrorText(error: Parameters<typeof refundError>[0]): TKey {
  const code = refundError(error);
  if (code === 'not-allowed') return 'agent.refund.notAllowed';
  if (code === 'signed-out') return 'agent.area.signedOut';
  if (code === 'too-many-requests') return 'ui.errors.tooManyRequests';
  return 'ui.errors.unexpected';
}

function TillSummary({ till }: { till: Till }) {
  const t = useT();
  const lang = useLang();
  return (
    <>
      <dl className="till__summary">
        <div>
          <dt>
            {t('agent.till.taken')}{' '}
            <span className="muted">
              ({countText(t, lang, till.count, 'agent.till.paymentsOne', 'agent.till.paymentsMany')})
            </span>
          </dt>
          <dd>{formatMoneyXAF(till.total)}</dd>
        </div>
        <div>
          <dt>
            {t('agent.till.refunded')}{' '}
            {till.refundCount !== null ? (
              <span className="muted">
                ({countText(t, lang, till.refundCount, 'agent.till.refundsOne', 'agent.till.refundsMany')})
              </span>
            ) : null}
          </dt>
          <dd>{till.refundTotal !== null ? `− ${formatMoneyXAF(till.refundTotal)}` : t('agent.till.unknown')}</dd>
        </div>
        <div className="till__net">
          <dt>{t('agent.till.net')}</dt>
          <dd>
            <strong>{formatMoneyXAF(till.net)}</strong>
          </dd>
        </div>
      </dl>
      <TillLines title={t('agent.till.paymentsTitle')} empty={t('agent.till.noPayments')} lines={till.payments} />
      <TillLines title={t('agent.till.refundsTitle')} empty={t('agent.till.noRefunds')} lines={till.refunds} />
    </>
  );
}

function TillLines({ title, empty, lines }: { title: string; empty: string; lines: TillLine[] }) {
  const t = useT();
  const lang = useLang();
  return (
    <section className="till__lines" aria-label={title}>
      <h3>{title}</h3>
      {lines.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table className="till__table">
          <thead>
            <tr>
              <th scope="col">{t('agent.till.time')}</th>
              <th scope="col">{t('agent.till.pnr')}</th>
              <th scope="col" className="till__amount">
                {t('agent.till.amount')}
              </th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line, index) => (
              <tr key={`${line.pnr}-${line.at}-${index}`}>
                <td>{line.at ? formatTime(line.at, lang) : ''}</td>
                <td>{line.pnr}</td>
                <td className="till__amount">{formatMoneyXAF(line.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
