import { useRef, useState, type FormEvent } from 'react';
import { useLang, useT } from '../../../i18n';
import { formatDateTime } from '../../../lib/format';
import { useSearch } from '../../../lib/router';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { TextField } from '../../../ui/TextField';
import { CheckResultPanel } from './CheckResultPanel';
import { QrScanner } from './QrScanner';
import { REFUSAL_TEXTS, countText } from './labels';
import { runCheck, type CheckResult } from './runCheck';
import { useCheckDevice } from './useCheckDevice';

interface Props {
  access: Access;
  /** Staff whose role may not check tickets (operators): told so, and pointed to the passenger list. */
  notForRole: boolean;
  onRetry: () => void;
}

/** `?tripId=3`: the train the conductor is on, when known (a ticket for another train is refused). */
export function tripIdFromQuery(query: string): number | null {
  const value = new URLSearchParams(query).get('tripId');
  return value && /^[1-9]\d{0,9}$/.test(value) ? Number(value) : null;
}

/** `/agent/check`: a conductor checks tickets, with the camera or the typed code, online or not. */
export function CheckPage({ access, notForRole, onRetry }: Props) {
  const t = useT();
  const device = useCheckDevice();
  // With no network the session cannot be confirmed; the keys are public and the scans wait for the network, so a
  // device that has checked tickets before keeps checking.
  const usable = access === 'allowed' || (access === 'unreachable' && device.keys !== null);
  return (
    <>
      <PageTitle>{t('agent.check.title')}</PageTitle>
      {usable ? (
        <CheckScreen device={device} />
      ) : notForRole ? (
        <>
          <Notice tone="info">{t('agent.area.checkNotForRole')}</Notice>
          <p>
            <Link className="button button--secondary" to="/agent/manifest">
              {t('agent.area.manifest')}
            </Link>
          </p>
        </>
      ) : (
        <AreaGate
          access={access}
          path="/agent/check"
          signedOutText={t('agent.area.signedOut')}
          notAllowedText={t('agent.area.notAllowed')}
          onRetry={onRetry}
        >
          {null}
        </AreaGate>
      )}
    </>
  );
}

function CheckScreen({ device }: { device: ReturnType<typeof useCheckDevice> }) {
  const t = useT();
  const lang = useLang();
  const tripId = tripIdFromQuery(useSearch());
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState<CheckResult | null>(null);
  const input = useRef<HTMLInputElement>(null);

  async function check(text: string) {
    if (text.trim() === '') {
      setError(t('agent.check.form.required'));
      input.current?.focus();
      return;
    }
    setError(undefined);
    setChecking(true);
    try {
      const next = await runCheck(text, { tripId, online: navigator.onLine, stationName: device.stationName });
      setResult(next);
      if (next.outcome.queued) device.queued();
    } finally {
      setChecking(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void check(code);
  }

  const keys = device.keys;
  return (
    <div className="check">
      <section className="check__device" aria-labelledby="check-device-title">
        <h2 id="check-device-title" className="visually-hidden">
          {t('agent.check.device.title')}
        </h2>
        <p className={device.online ? 'check__network' : 'check__network check__network--off'}>
          {device.online ? t('agent.check.device.online') : t('agent.check.device.offline')}
        </p>
        <p className="muted">
          {keys
            ? t('agent.check.device.keysSaved', { when: formatDateTime(keys.savedAt, lang) })
            : t('agent.check.device.noKeys')}
        </p>
        <div className="check__queue" role="status">
          <p>
            {device.waiting === 0
              ? t('agent.check.queue.empty')
              : countText(t, lang, device.waiting, 'agent.check.queue.waitingOne', 'agent.check.queue.waitingMany')}
            {device.syncing ? ` ${t('agent.check.queue.sending')}` : ''}
          </p>
          {device.syncProblem === 'signed-out' ? <p>{t('agent.check.queue.signedOut')}</p> : null}
          {device.syncProblem === 'not-allowed' ? <p>{t('agent.check.queue.notAllowed')}</p> : null}
          {device.lastSent > 0 && device.waiting === 0 ? <p>{t('agent.check.queue.sent')}</p> : null}
        </div>
        {device.waiting > 0 && device.online ? (
          <button type="button" className="button button--secondary button--small" onClick={() => void device.sync()} disabled={device.syncing}>
            {t('agent.check.queue.sendNow')}
          </button>
        ) : null}
        {device.lateRefusals.length > 0 ? (
          <Notice tone="error">
            <p>{t('agent.check.queue.lateRefusals')}</p>
            <ul>
              {device.lateRefusals.map((late) => (
                <li key={`${late.ticketId}-${late.checkedAt}`}>
                  {t('agent.check.queue.lateRefusal', {
                    ticket: late.passengerName ?? late.ticketId,
                    seat: late.seat ? t('agent.common.seat', { coach: late.seat.coach, seat: late.seat.seat }) : t('agent.common.lapInfant'),
                    reason: t(REFUSAL_TEXTS[late.reason]),
                  })}
                </li>
              ))}
            </ul>
          </Notice>
        ) : null}
        {tripId != null ? (
          <p>
            {t('agent.check.trip.checking', { id: tripId })} <Link to="/agent/check">{t('agent.check.trip.any')}</Link>
          </p>
        ) : null}
      </section>

      <QrScanner
        onCode={(text) => {
          setCode(text);
          void check(text);
        }}
      />

      <form className="check__form" onSubmit={submit} noValidate>
        <TextField
          ref={input}
          id="ticket-code"
          label={t('agent.check.form.code')}
          hint={t('agent.check.form.hint')}
          error={error}
          value={code}
          autoComplete="off"
          autoCapitalize="characters"
          autoCorrect="off"
          spellCheck={false}
          onChange={(event) => setCode(event.target.value)}
        />
        <div className="actions">
          <button type="submit" className="button" disabled={checking}>
            {checking ? t('agent.check.form.checking') : t('agent.check.form.submit')}
          </button>
          {code !== '' ? (
            <button
              type="button"
              className="button button--secondary"
              onClick={() => {
                setCode('');
                setResult(null);
                input.current?.focus();
              }}
            >
              {t('agent.check.form.clear')}
            </button>
          ) : null}
        </div>
      </form>

      {result ? <CheckResultPanel key={result.outcome.checkedAt} outcome={result.outcome} notRecorded={result.notRecorded} noCrypto={result.noCrypto} /> : null}
    </div>
  );
}
