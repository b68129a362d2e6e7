import { useT } from '../../../i18n';
import { useSource } from '../../../lib/poller';
import { Link } from '../../../ui/Link';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { stationNamer } from '../network';
import { liveTrains } from '../source';
import { sortTrains } from '../trains';
import { useNetwork } from '../useNetwork';
import { LiveMap } from './LiveMap';
import { TrainList } from './TrainList';
import { UpdateStatus } from './UpdateStatus';

/** `/live`: the running trains on a map of the line and in a list, each with its delay and next stop. */
export function LivePage() {
  const t = useT();
  const source = liveTrains();
  const snapshot = useSource(source);
  const { network } = useNetwork();
  const name = stationNamer(network);
  // Old positions are judged against the time of the last news, so a failing connection does not age them; while
  // live, the news is current.
  const now = snapshot.live ? Date.now() : (snapshot.receivedAt ?? Date.now());
  const trains = snapshot.data ? sortTrains(snapshot.data, now) : null;

  return (
    <>
      <PageTitle>{t('live.map.title')}</PageTitle>
      <p className="lead">{t('live.map.intro')}</p>
      <div className="live">
        <LiveMap network={network} trains={trains ?? []} name={name} now={now} />
        <section className="live__list" aria-labelledby="live-list-title">
          <h2 id="live-list-title">{t('live.list.title')}</h2>
          {trains === null ? (
            <RequestStatus
              state={
                snapshot.error
                  ? { status: 'failed', error: snapshot.error }
                  : { status: 'loading', slow: snapshot.slow }
              }
              loadingText={t('live.list.loading')}
              onRetry={source.refresh}
            />
          ) : (
            <>
              <UpdateStatus snapshot={snapshot} onRefresh={source.refresh} />
              {trains.length === 0 ? (
                <div className="live-empty">
                  <p className="live-empty__title">{t('live.list.empty')}</p>
                  <p>{t('live.list.emptyText')}</p>
                  <p>
                    <Link className="button button--secondary" to="/trips">
                      {t('live.list.findTrain')}
                    </Link>
                  </p>
                </div>
              ) : (
                <TrainList trains={trains} name={name} now={now} />
              )}
            </>
          )}
        </section>
      </div>
    </>
  );
}
