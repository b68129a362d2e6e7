import { useMemo } from 'react';
import { useLang, useT } from '../../../i18n';
import { formatDayDate, formatTime } from '../../../lib/format';
import { useSource } from '../../../lib/poller';
import type { RunStop, TrainRun } from '../../../lib/trains';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { stationNamer } from '../network';
import { trainRun } from '../source';
import { isCancelled, isStale, nextStopOf, placeOf, progressOf, stopStateName, stopTimes, type StopTime } from '../trains';
import { useNetwork } from '../useNetwork';
import { STOP_STATES, delayText, delayTone, placeText } from './labels';
import { UpdateStatus } from './UpdateStatus';

/** `/trains/714…`: one train run, its delay and every stop with the timetable beside what happened or is expected. */
export function TrainPage({ runId }: { runId: number }) {
  const t = useT();
  const { network } = useNetwork();
  const name = stationNamer(network);
  const source = useMemo(() => trainRun(runId), [runId]);
  const run = { ...useSource(source), refresh: source.refresh };

  if (!run.data) {
    const error = run.error;
    const noData = error?.kind === 'problem' && error.status === 404;
    return (
      <>
        <PageTitle>{t('live.train.titleUnknown')}</PageTitle>
        {noData ? (
          <>
            <Notice tone="info">
              <p>{t('live.train.noData')}</p>
              <p>{t('live.train.noDataText')}</p>
            </Notice>
            <p className="aside">
              <Link to="/live">{t('live.train.backToLive')}</Link>
            </p>
          </>
        ) : (
          <RequestStatus
            state={error ? { status: 'failed', error } : { status: 'loading', slow: run.slow }}
            loadingText={t('live.train.loading')}
            onRetry={run.refresh}
          />
        )}
      </>
    );
  }

  return (
    <>
      <PageTitle>{t('live.common.train', { number: run.data.trainNumber })}</PageTitle>
      <TrainSummary run={run.data} name={name} now={run.live ? Date.now() : (run.receivedAt ?? Date.now())} />
      <UpdateStatus snapshot={run} onRefresh={run.refresh} />
      <StopTable run={run.data} name={name} />
      <p className="aside">
        <Link to="/live">{t('live.train.backToLive')}</Link>
      </p>
    </>
  );
}

function TrainSummary({ run, name, now }: { run: TrainRun; name: (code: string) => string; now: number }) {
  const t = useT();
  const lang = useLang();
  const progress = progressOf(run.stops);
  const latest = run.latest;
  return (
    <div className="train-summary">
      <p className="train-summary__route">
        {t('live.common.route', { from: name(run.origin), to: name(run.destination) })}
      </p>
      {run.serviceDate ? <p>{t('live.train.date', { date: formatDayDate(run.serviceDate, lang) })}</p> : null}
      {isCancelled(run) ? (
        <Notice tone="error">{t('live.train.cancelled')}</Notice>
      ) : (
        <>
          <p className={`live-delay live-delay--${delayTone(run.delayMinutes)} train-summary__delay`}>
            {delayText(t, lang, run.delayMinutes)}
          </p>
          {progress ? (
            <p>
              {t(PROGRESS[progress.kind], {
                station: progress.stop.name,
                time: progress.time ? formatTime(progress.time, lang) : '–',
              })}
            </p>
          ) : null}
          {latest ? (
            <p className="muted">
              {t(isStale(latest, now) ? 'live.list.stale' : 'live.list.seen', {
                place: placeText(t, placeOf(latest), name),
                time: formatTime(latest.updatedAt, lang),
              })}
              {latest.speed !== null && latest.motion === 'moving'
                ? ` · ${t('live.train.speed', { speed: Math.round(latest.speed) })}`
                : ''}
            </p>
          ) : (
            <p className="muted">{t('live.train.noPosition')}</p>
          )}
        </>
      )}
    </div>
  );
}

const PROGRESS = {
  'not-started': 'live.train.progress.notStarted',
  at: 'live.train.progress.at',
  next: 'live.train.progress.next',
  arrived: 'live.train.progress.arrived',
} as const;

/** One time of a stop: the timetable's, and under it the actual or expected time. */
function TimeCell({ time }: { time: StopTime }) {
  const t = useT();
  const lang = useLang();
  if (!time.scheduled && !time.shown) {
    return (
      <td>
        <span aria-hidden="true">–</span>
        <span className="visually-hidden">{t('live.train.noTime')}</span>
      </td>
    );
  }
  const shown = time.shown;
  const tone = shown && shown.late !== null && shown.late > 0 ? 'late' : 'on-time';
  return (
    <td>
      {time.scheduled ? (
        <time dateTime={time.scheduled} className="stop-time__scheduled">
          {formatTime(time.scheduled, lang)}
        </time>
      ) : null}
      {shown ? (
        <span className={`stop-time__live stop-time__live--${tone}`}>
          {t(shown.kind === 'actual' ? 'live.train.actual' : 'live.train.expected', {
            time: formatTime(shown.time, lang),
          })}
        </span>
      ) : null}
    </td>
  );
}

function StopTable({ run, name }: { run: TrainRun; name: (code: string) => string }) {
  const t = useT();
  if (run.stops.length === 0) return <p>{t('live.train.noStops')}</p>;
  const current: RunStop | null = isCancelled(run) ? null : nextStopOf(run.stops);
  return (
    <section aria-labelledby="train-stops-title">
      <h2 id="train-stops-title">{t('live.train.stopsTitle')}</h2>
      <div className="stop-table__scroll">
        <table className="stop-table">
          <caption className="visually-hidden">
            {t('live.train.stopsCaption', { number: run.trainNumber })}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('live.train.station')}</th>
              <th scope="col">{t('live.train.arrival')}</th>
              <th scope="col">{t('live.train.departure')}</th>
            </tr>
          </thead>
          <tbody>
            {run.stops.map((stop, index) => {
              const times = stopTimes(stop);
              const here = stop === current;
              const state = stopStateName(stop, index === run.stops.length - 1);
              return (
                <tr
                  key={`${stop.seq}-${stop.station}`}
                  className={`stop-table__row stop-table__row--${stop.state}${here ? ' stop-table__row--current' : ''}`}
                  aria-current={here ? 'location' : undefined}
                >
                  <th scope="row">
                    <span className="stop-table__name">{stop.name || name(stop.station)}</span>
                    <span className={`stop-state stop-state--${state}`}>{t(STOP_STATES[state])}</span>
                  </th>
                  <TimeCell time={times.arrival} />
                  <TimeCell time={times.departure} />
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
