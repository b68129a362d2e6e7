import { useLang, useT } from '../../../i18n';
import { formatDayDate } from '../../../lib/format';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import type { TripSearchResult } from '../api/types';
import type { TripPrices } from '../fares';
import { tripsPath } from '../search';
import { countText } from './labels';
import { TripCard } from './TripCard';

interface Props {
  result: TripSearchResult;
  /** Fares per trip and class (`GET /api/v1/offers`), once known. */
  prices?: Record<number, TripPrices>;
  /** The fares could not be loaded: the trains are shown without them. */
  pricesFailed?: boolean;
}

/** The trains of the searched date, or the next dates with one. */
export function TripResults({ result, prices, pricesFailed = false }: Props) {
  const t = useT();
  const lang = useLang();
  const date = formatDayDate(result.date, lang);
  const count = result.trips.length;
  const search = { from: result.from.code, to: result.to.code, date: result.date, passengers: result.passengers };
  const passengers = countText(t, lang, result.passengers, 'trips.common.passengersOne', 'trips.common.passengersMany');

  return (
    <>
      <h2 id="trip-results-title" tabIndex={-1}>
        {t('trips.results.heading', { from: result.from.name, to: result.to.name })}
      </h2>
      {count > 0 ? (
        <>
          <p role="status" className="trip-results__summary">
            {countText(t, lang, count, 'trips.results.countOne', 'trips.results.countMany', { date })}{' '}
            <span className="muted">{passengers}</span>
          </p>
          {pricesFailed ? <p className="muted">{t('trips.results.pricesUnavailable')}</p> : null}
          <ol className="trip-list">
            {result.trips.map((trip) => (
              <TripCard key={trip.id} trip={trip} search={result} prices={prices?.[trip.id]} />
            ))}
          </ol>
        </>
      ) : (
        <>
          <Notice tone="info">
            {t('trips.results.none', { from: result.from.name, to: result.to.name, date })}
          </Notice>
          {result.nextDates.length > 0 ? (
            <>
              <p id="next-dates-title">{t('trips.results.nextDates')}</p>
              <ul className="next-dates" aria-labelledby="next-dates-title">
                {result.nextDates.map((next) => (
                  <li key={next}>
                    <Link className="button button--secondary" to={tripsPath({ ...search, date: next })}>
                      {formatDayDate(next, lang)}
                    </Link>
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>{t('trips.results.noNextDates')}</p>
          )}
        </>
      )}
    </>
  );
}
