import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLang, useT } from '../../../i18n';
import { formatDateTime, formatIsoDate, formatShortDayTime } from '../../../lib/format';
import { TextField } from '../../../ui/TextField';
import { checkVerdict, holderMatches, type CheckOutcome, type CheckVerdict } from '../ticketCheck';
import { CLASS_NAMES, REFUSAL_TEXTS, TYPE_NAMES, named } from './labels';

interface Props {
  outcome: CheckOutcome;
  notRecorded: boolean;
  noCrypto: boolean;
}

const TONES: Record<CheckVerdict, string> = {
  board: 'valid',
  'already-scanned': 'warning',
  'later-day': 'later',
  refused: 'refused',
};

/**
 * The answer of a check, readable at arm's length: VALABLE, REFUSÉ, or an authentic ticket for a later day (from
 * when it is good), why, and what the ticket says.
 */
export function CheckResultPanel({ outcome, notRecorded, noCrypto }: Props) {
  const t = useT();
  const lang = useLang();
  const heading = useRef<HTMLHeadingElement>(null);
  const verdict = checkVerdict(outcome);
  const laterDay = verdict === 'later-day';
  const ticket = outcome.ticket;

  useEffect(() => {
    heading.current?.focus();
  }, [outcome]);

  return (
    <section className={`check-result check-result--${TONES[verdict]}`} aria-labelledby="check-result-title" data-testid="check-result">
      <h2 id="check-result-title" ref={heading} tabIndex={-1} className="check-result__verdict">
        {outcome.valid
          ? t('agent.check.result.valid')
          : laterDay
            ? t('agent.check.result.laterDay')
            : t('agent.check.result.refused')}
      </h2>
      {laterDay && ticket ? (
        <>
          <p className="check-result__reason">
            {t('agent.check.result.laterDayFrom', { when: formatShortDayTime(ticket.validFrom, lang) })}
          </p>
          <p>{t('agent.check.result.laterDayBoard')}</p>
        </>
      ) : !outcome.valid && outcome.reason ? (
        <p className="check-result__reason">{t(REFUSAL_TEXTS[outcome.reason])}</p>
      ) : null}
      {outcome.alreadyScanned && outcome.firstScannedAt ? (
        <p className="check-result__scanned">
          {t(outcome.firstScanOnDevice ? 'agent.check.result.alreadyScannedOnDevice' : 'agent.check.result.alreadyScanned', {
            when: formatDateTime(outcome.firstScannedAt, lang),
          })}
        </p>
      ) : null}
      {outcome.offline ? (
        <p className="check-result__offline">
          <strong>{t('agent.check.result.offline')}</strong>{' '}
          {outcome.valid
            ? t('agent.check.result.offlineLimits')
            : laterDay
              ? t('agent.check.result.offlineLimitsLaterDay')
              : null}
          {outcome.queued ? ` ${t('agent.check.result.queued')}` : null}
        </p>
      ) : null}
      {notRecorded ? <p>{t('agent.check.result.notRecorded')}</p> : null}
      {noCrypto ? <p>{t('agent.check.result.noCrypto')}</p> : null}
      {ticket ? (
        <dl className="check-result__ticket details">
          {ticket.passengerName ? (
            <div>
              <dt>{t('agent.check.ticket.passenger')}</dt>
              <dd className="check-result__name">{ticket.passengerName}</dd>
            </div>
          ) : null}
          <div>
            <dt>{t('agent.check.ticket.seat')}</dt>
            <dd className="check-result__seat">
              {ticket.seat
                ? t('agent.common.seat', { coach: ticket.seat.coach, seat: ticket.seat.seat })
                : t('agent.common.lapInfant')}
            </dd>
          </div>
          <div>
            <dt>{t('agent.check.ticket.class')}</dt>
            <dd>
              {named(CLASS_NAMES, ticket.travelClass, t)}
              {ticket.passengerType ? ` · ${named(TYPE_NAMES, ticket.passengerType, t)}` : ''}
            </dd>
          </div>
          <div>
            <dt>{t('agent.check.ticket.journey')}</dt>
            <dd>
              {t('agent.common.route', { from: ticket.from.name ?? ticket.from.code, to: ticket.to.name ?? ticket.to.code })}
            </dd>
          </div>
          <div>
            <dt>{t('agent.check.ticket.trip')}</dt>
            <dd>
              {ticket.trainNumber != null
                ? t('agent.common.train', { number: ticket.trainNumber })
                : t('agent.check.ticket.tripId', { id: ticket.tripId })}
              {' · '}
              {formatIsoDate(ticket.serviceDate)}
            </dd>
          </div>
          <div>
            <dt>{t('agent.check.ticket.validUntil')}</dt>
            <dd>{formatDateTime(ticket.validUntil, lang)}</dd>
          </div>
          <div>
            <dt>{t('agent.check.ticket.number')}</dt>
            <dd>
              {ticket.id}
              {ticket.pnr ? ` · ${t('agent.check.ticket.pnr', { pnr: ticket.pnr })}` : ''}
            </dd>
          </div>
        </dl>
      ) : null}
      {ticket && outcome.payload && outcome.valid ? <HolderCheck outcome={outcome} /> : null}
    </section>
  );
}

/** The name and ID number on the ID document shown, against the hash the ticket carries (works offline). */
function HolderCheck({ outcome }: { outcome: CheckOutcome }) {
  const t = useT();
  const [name, setName] = useState('');
  const [idNumber, setIdNumber] = useState('');
  const [answer, setAnswer] = useState<'match' | 'mismatch' | null>(null);
  const payload = outcome.payload;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!payload || typeof crypto === 'undefined' || !crypto.subtle) return;
    setAnswer((await holderMatches(crypto.subtle, payload, name, idNumber)) ? 'match' : 'mismatch');
  }

  return (
    <details className="holder-check">
      <summary>{t('agent.check.holder.title')}</summary>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <p className="muted">{t('agent.check.holder.hint')}</p>
        <TextField id="holder-name" label={t('agent.check.holder.name')} value={name} autoComplete="off"
          onChange={(event) => { setName(event.target.value); setAnswer(null); }} />
        <TextField id="holder-id" label={t('agent.check.holder.idNumber')} value={idNumber} autoComplete="off"
          autoCapitalize="characters" onChange={(event) => { setIdNumber(event.target.value); setAnswer(null); }} />
        <button type="submit" className="button button--secondary">{t('agent.check.holder.submit')}</button>
        <p role="status" className={answer === 'mismatch' ? 'holder-check__answer holder-check__answer--bad' : 'holder-check__answer'}>
          {answer === 'match' ? t('agent.check.holder.match') : answer === 'mismatch' ? t('agent.check.holder.mismatch') : ''}
        </p>
      </form>
    </details>
  );
}
