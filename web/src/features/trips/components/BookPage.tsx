import { useMemo } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import { formatDayDate, formatTime, localIsoDate } from '../../../lib/format';
import { useSearch } from '../../../lib/router';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { checkChoice, choiceFromQuery, seatMapPath, type ChoiceProblem } from '../seats';
import { className, countText, serviceName } from './labels';
import { SeatMapStatus, useSeatMap } from './SeatMapPage';

const PROBLEMS: Record<ChoiceProblem, TKey> = {
  count: 'trips.book.countProblem',
  'unknown-seat': 'trips.book.unknownSeat',
  taken: 'trips.book.taken',
};

/**
 * `/trips/42/book?from=OWE&to=FCV&class=second&passengers=2&seats=3-14,3-15`: the journey and seats chosen.
 * Booking and payment come next (the booking service); until then this step only sums up the choice.
 */
export function BookPage({ tripId }: { tripId: number }) {
  const t = useT();
  const lang = useLang();
  const query = useSearch();
  const choice = useMemo(() => choiceFromQuery(query), [query]);
  const state = useSeatMap(tripId, choice);
  const changeSeats = (
    <Link className="button button--secondary" to={seatMapPath(tripId, choice)}>
      {t('trips.book.changeSeats')}
    </Link>
  );

  if (state.status !== 'done') {
    return (
      <>
        <PageTitle>{t('trips.book.title')}</PageTitle>
        <SeatMapStatus state={state} />
      </>
    );
  }

  const map = state.data;
  const problem = checkChoice(map, choice);
  const seats = choice.seats
    .map((ref) => t('trips.seats.seatShort', { coach: ref.coach, seat: ref.seat }))
    .join(lang === 'fr' ? ' ; ' : '; ');
  const travellers = countText(t, lang, choice.passengers, 'trips.common.passengersOne', 'trips.common.passengersMany');

  return (
    <>
      <PageTitle>{t('trips.book.title')}</PageTitle>
      {problem ? (
        <Notice tone="error">{t(PROBLEMS[problem])}</Notice>
      ) : (
        <Notice tone="info">{t('trips.book.comingSoon')}</Notice>
      )}
      <dl className="details">
        <div>
          <dt>{t('trips.book.train')}</dt>
          <dd>
            {t('trips.common.train', { number: map.trainNumber })} · {serviceName(map.service, t)}
          </dd>
        </div>
        <div>
          <dt>{t('trips.book.journey')}</dt>
          <dd>{t('trips.results.heading', { from: map.from.name, to: map.to.name })}</dd>
        </div>
        <div>
          <dt>{t('trips.book.departure')}</dt>
          <dd>
            {formatDayDate(localIsoDate(map.from.departure), lang)}{' '}
            <time dateTime={map.from.departure}>{formatTime(map.from.departure, lang)}</time>
          </dd>
        </div>
        <div>
          <dt>{t('trips.book.arrival')}</dt>
          <dd>
            {formatDayDate(localIsoDate(map.to.arrival), lang)}{' '}
            <time dateTime={map.to.arrival}>{formatTime(map.to.arrival, lang)}</time>
          </dd>
        </div>
        <div>
          <dt>{t('trips.book.travelClass')}</dt>
          <dd>{choice.travelClass ? className(choice.travelClass, t) : '—'}</dd>
        </div>
        <div>
          <dt>{t('trips.book.passengers')}</dt>
          <dd>{travellers}</dd>
        </div>
        <div>
          <dt>{t('trips.book.seats')}</dt>
          <dd>{seats || '—'}</dd>
        </div>
      </dl>
      <p className="actions aside">
        {changeSeats}
        <Link className="button button--secondary" to="/trips">
          {t('trips.common.newSearch')}
        </Link>
      </p>
    </>
  );
}
