import { useState, type FormEvent } from 'react';
import { useLang, useT } from '../../../i18n';
import type { ApiResult } from '../../../lib/api';
import { formatDateTime, formatIsoDate, formatTime, todayInLibreville } from '../../../lib/format';
import { navigate, toQueryString, useSearch } from '../../../lib/router';
import { useRequest } from '../../../lib/useRequest';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { TextField } from '../../../ui/TextField';
import { getManifest } from '../api/getManifest';
import { searchTrips } from '../api/searchTrips';
import type { Manifest } from '../api/types';
import { byCoach, manifestQuery, scannedCount, trainsOfDay, type TrainOfDay } from '../manifest';
import { TYPE_NAMES, countText, named } from './labels';

interface Props {
  access: Access;
  /** The caller may check tickets (not operators): the list links to the check of its train. */
  canCheck: boolean;
  onRetry: () => void;
}

/** Both directions of the line: every SETRAG train runs Owendo - Franceville one way or the other. */
async function loadTrains(date: string, signal: AbortSignal): Promise<ApiResult<TrainOfDay[]>> {
  const [down, up] = await Promise.all([
    searchTrips({ from: 'OWE', to: 'FCV', date }, signal),
    searchTrips({ from: 'FCV', to: 'OWE', date }, signal),
  ]);
  if (!down.ok) return down;
  if (!up.ok) return up;
  return { ok: true, status: 200, data: trainsOfDay([down.data, up.data]) };
}

/** `/agent/manifest?date=2026-11-24&tripId=3`: a train's passengers by coach and seat, checked or not; printable. */
export function ManifestPage({ access, canCheck, onRetry }: Props) {
  const t = useT();
  return (
    <>
      <PageTitle>{t('agent.manifest.title')}</PageTitle>
      <AreaGate
        access={access}
        path="/agent/manifest"
        signedOutText={t('agent.area.signedOut')}
        notAllowedText={t('agent.area.notAllowed')}
        onRetry={onRetry}
      >
        <ManifestScreen canCheck={canCheck} />
      </AreaGate>
    </>
  );
}

function ManifestScreen({ canCheck }: { canCheck: boolean }) {
  const t = useT();
  const lang = useLang();
  const query = manifestQuery(useSearch());
  const date = query.date ?? todayInLibreville();
  const [typedDate, setTypedDate] = useState(date);
  const trains = useRequest(`trains:${date}`, (signal) => loadTrains(date, signal));
  const manifest = useRequest(query.tripId != null ? `manifest:${query.tripId}` : null, (signal) =>
    getManifest(query.tripId ?? 0, signal),
  );

  function pickDate(event: FormEvent) {
    event.preventDefault();
    if (/^\d{4}-\d{2}-\d{2}$/.test(typedDate)) navigate(`/agent/manifest?${toQueryString({ date: typedDate })}`);
  }

  return (
    <div className="manifest">
      <form className="manifest__date no-print" onSubmit={pickDate}>
        <TextField
          id="manifest-date"
          type="date"
          label={t('agent.manifest.date')}
          value={typedDate}
          onChange={(event) => setTypedDate(event.target.value)}
        />
        <button type="submit" className="button button--secondary">
          {t('agent.manifest.showTrains')}
        </button>
      </form>

      <section className="no-print" aria-labelledby="manifest-trains-title">
        <h2 id="manifest-trains-title">{t('agent.manifest.trainsOf', { date: formatIsoDate(date) })}</h2>
        <RequestStatus state={trains} loadingText={t('agent.manifest.loadingTrains')} onRetry={trains.retry} />
        {trains.status === 'done' && trains.data.length === 0 ? <p>{t('agent.manifest.noTrains')}</p> : null}
        {trains.status === 'done' && trains.data.length > 0 ? (
          <ul className="link-list manifest__trains">
            {trains.data.map(({ trip, from, to }) => (
              <li key={trip.id}>
                <Link
                  to={`/agent/manifest?${toQueryString({ date, tripId: trip.id })}`}
                  aria-current={trip.id === query.tripId ? 'page' : undefined}
                >
                  {t('agent.manifest.trainLink', {
                    number: trip.trainNumber,
                    from: from.name,
                    to: to.name,
                    time: formatTime(trip.departure, lang),
                  })}
                </Link>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      {query.tripId != null ? (
        <section aria-labelledby="manifest-list-title" className="manifest__list">
          {manifest.status === 'failed' && manifest.error.kind === 'problem' && manifest.error.status === 403 ? (
            <Notice tone="error">{t('agent.manifest.notAllowed')}</Notice>
          ) : (
            <RequestStatus state={manifest} loadingText={t('agent.manifest.loading')} onRetry={manifest.retry} />
          )}
          {manifest.status === 'done' ? <ManifestList manifest={manifest.data} canCheck={canCheck} train={trains.status === 'done' ? trains.data.find((x) => x.trip.id === query.tripId) : undefined} /> : null}
        </section>
      ) : null}
    </div>
  );
}

function ManifestList({ manifest, canCheck, train }: { manifest: Manifest; canCheck: boolean; train?: TrainOfDay }) {
  const t = useT();
  const lang = useLang();
  const number = manifest.trainNumber ?? train?.trip.trainNumber;
  const serviceDate = manifest.serviceDate ?? train?.trip.serviceDate;
  const groups = byCoach(manifest.passengers);
  const scanned = scannedCount(manifest.passengers);
  return (
    <>
      <h2 id="manifest-list-title">
        {number != null
          ? t('agent.manifest.listTitle', { number, date: serviceDate ? formatIsoDate(serviceDate) : '' })
          : t('agent.manifest.listTitleTrip', { id: manifest.tripId })}
      </h2>
      {train ? <p>{t('agent.common.route', { from: train.from.name, to: train.to.name })}</p> : null}
      <p>
        {countText(t, lang, manifest.count, 'agent.manifest.countOne', 'agent.manifest.countMany')}
        {' · '}
        {countText(t, lang, scanned, 'agent.manifest.scannedOne', 'agent.manifest.scannedMany')}
      </p>
      <div className="actions no-print">
        <button type="button" className="button" onClick={() => window.print()}>
          {t('agent.manifest.print')}
        </button>
        {canCheck ? (
          <Link className="button button--secondary" to={`/agent/check?${toQueryString({ tripId: manifest.tripId })}`}>
            {t('agent.manifest.checkThisTrain')}
          </Link>
        ) : null}
      </div>
      {manifest.count === 0 ? <p>{t('agent.manifest.empty')}</p> : null}
      {groups.map((group) => (
        <div key={group.coach ?? 'none'} className="manifest__coach">
          <div className="table-scroll">
            <table className="manifest-table">
              <caption>
                {group.coach != null ? t('agent.manifest.coach', { coach: group.coach }) : t('agent.manifest.noCoach')}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('agent.manifest.columns.seat')}</th>
                  <th scope="col">{t('agent.manifest.columns.passenger')}</th>
                  <th scope="col">{t('agent.manifest.columns.checked')}</th>
                  <th scope="col">{t('agent.manifest.columns.journey')}</th>
                  <th scope="col">{t('agent.manifest.columns.booking')}</th>
                </tr>
              </thead>
              <tbody>
                {group.passengers.map((p, index) => (
                  <tr key={`${p.pnr}-${p.ticketId ?? index}`} className={p.scanned ? 'manifest-table__scanned' : undefined}>
                    <td>{p.seat ? p.seat.seat : t('agent.manifest.lap')}</td>
                    <th scope="row">
                      {p.name}
                      <span className="manifest-table__detail">
                        {named(TYPE_NAMES, p.passengerType, t)}
                        {p.idNumber ? ` · ${p.idNumber}` : ''}
                      </span>
                    </th>
                    <td className="manifest-table__check">
                      {p.scanned && p.firstScannedAt
                        ? t('agent.manifest.checkedAt', { when: formatDateTime(p.firstScannedAt, lang) })
                        : p.scanned
                          ? t('agent.manifest.checked')
                          : t('agent.manifest.notChecked')}
                    </td>
                    <td>{t('agent.common.routeCodes', { from: p.from.code, to: p.to.code })}</td>
                    <td>{p.pnr}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ))}
    </>
  );
}
