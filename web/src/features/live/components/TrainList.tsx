import { useLang, useT } from '../../../i18n';
import { formatKm, formatTime } from '../../../lib/format';
import type { LiveTrain } from '../../../lib/trains';
import { Link } from '../../../ui/Link';
import { isStale, nextStationOf, placeOf } from '../trains';
import { delayText, delayTone, placeText } from './labels';

interface Props {
  /** In the order to show. */
  trains: readonly LiveTrain[];
  name: (code: string) => string;
  now: number;
}

/** The running trains as a list: usable alone (a small phone, the keyboard, a screen reader), each to its page. */
export function TrainList({ trains, name, now }: Props) {
  const t = useT();
  const lang = useLang();
  return (
    <ul className="live-trains">
      {trains.map((train) => {
        const stale = isStale(train, now);
        const next = nextStationOf(train);
        const seen = formatTime(train.updatedAt, lang);
        return (
          <li key={train.runId} className={stale ? 'live-train live-train--stale' : 'live-train'}>
            <h3 className="live-train__title">
              <Link to={`/trains/${train.runId}`}>
                {t('live.common.trainRoute', {
                  number: train.trainNumber,
                  from: name(train.origin),
                  to: name(train.destination),
                })}
              </Link>
            </h3>
            <p className={`live-delay live-delay--${delayTone(train.delayMinutes)}`}>
              {delayText(t, lang, train.delayMinutes)}
            </p>
            {next ? (
              <p>
                {next.time
                  ? t(next.expected ? 'live.list.nextExpected' : 'live.list.nextScheduled', {
                      station: name(next.station),
                      time: formatTime(next.time, lang),
                    })
                  : t('live.list.next', { station: name(next.station) })}
              </p>
            ) : null}
            <p className="live-train__place">
              {stale
                ? t('live.list.stale', { place: placeText(t, placeOf(train), name), time: seen })
                : t('live.list.seen', { place: placeText(t, placeOf(train), name), time: seen })}
              {train.pk !== null && !stale ? (
                <>
                  {' '}
                  <span className="live-train__pk">{t('live.common.pk', { km: formatKm(train.pk, lang) })}</span>
                </>
              ) : null}
            </p>
          </li>
        );
      })}
    </ul>
  );
}
