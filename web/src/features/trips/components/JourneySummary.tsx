import { useLang, useT } from '../../../i18n';
import { daysBetween, formatDayDate, formatTime, localIsoDate } from '../../../lib/format';
import type { SeatMap } from '../api/types';
import { ArrivalDays } from './ArrivalDays';
import { serviceName } from './labels';

/** Train 211 · Express, mardi 24/11/2026 — Owendo 12h30 → Franceville 01h49 +1. */
export function JourneySummary({ map }: { map: SeatMap }) {
  const t = useT();
  const lang = useLang();
  return (
    <div className="journey">
      <p className="journey__train">
        <strong>
          {t('trips.common.train', { number: map.trainNumber })} · {serviceName(map.service, t)}
        </strong>
        {', '}
        {formatDayDate(localIsoDate(map.from.departure), lang)}
      </p>
      <p className="journey__times">
        {map.from.name} <time dateTime={map.from.departure}>{formatTime(map.from.departure, lang)}</time>
        <span aria-hidden="true"> → </span>
        <span className="visually-hidden">, </span>
        {map.to.name} <time dateTime={map.to.arrival}>{formatTime(map.to.arrival, lang)}</time>
        <ArrivalDays days={daysBetween(map.from.departure, map.to.arrival)} />
      </p>
    </div>
  );
}
