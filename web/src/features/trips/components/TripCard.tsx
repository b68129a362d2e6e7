import { useLang, useT } from '../../../i18n';
import { daysBetween, formatDuration, formatMoneyXAF, formatTime } from '../../../lib/format';
import { Link } from '../../../ui/Link';
import type { ClassAvailability, Trip, TripSearchResult } from '../api/types';
import type { ClassPrice, TripPrices } from '../fares';
import { seatMapPath } from '../seats';
import { ArrivalDays } from './ArrivalDays';
import { SERVICE_HINTS, className, countText, serviceName } from './labels';

interface Props {
  trip: Trip;
  search: TripSearchResult;
  /** The fare of each class for the searched travellers, once booking's offers are known. */
  prices?: TripPrices;
}

/** One train: number, service, local times, duration, and per class the seats free and the way to choose. */
export function TripCard({ trip, search, prices }: Props) {
  const t = useT();
  const lang = useLang();
  const titleId = `trip-${trip.id}-title`;
  const hours = Math.floor(trip.durationMinutes / 60);
  const minutes = trip.durationMinutes % 60;
  const train = t('trips.common.train', { number: trip.trainNumber });

  return (
    <li className="trip-card">
      <article aria-labelledby={titleId}>
        <header className="trip-card__header">
          <h3 id={titleId} className="trip-card__title">
            {train} · {serviceName(trip.service, t)}
          </h3>
          {trip.service in SERVICE_HINTS ? <p className="trip-card__hint">{t(SERVICE_HINTS[trip.service])}</p> : null}
        </header>
        <div className="trip-card__times">
          <p className="trip-card__stop">
            <span className="trip-card__label">{t('trips.results.departure')}</span>
            <time className="trip-card__time" dateTime={trip.departure}>
              {formatTime(trip.departure, lang)}
            </time>
            <span className="trip-card__station">{search.from.name}</span>
          </p>
          <p className="trip-card__duration">
            <span className="trip-card__label">{t('trips.results.duration')}</span>
            <time dateTime={`PT${hours}H${minutes}M`}>{formatDuration(trip.durationMinutes, lang)}</time>
          </p>
          <p className="trip-card__stop">
            <span className="trip-card__label">{t('trips.results.arrival')}</span>
            <time className="trip-card__time" dateTime={trip.arrival}>
              {formatTime(trip.arrival, lang)}
            </time>
            <ArrivalDays days={daysBetween(trip.departure, trip.arrival)} />
            <span className="trip-card__station">{search.to.name}</span>
          </p>
        </div>
        <ul className="trip-classes" aria-label={t('trips.results.classesLabel', { train: trip.trainNumber })}>
          {trip.classes.map((availability) => (
            <ClassRow
              key={availability.class}
              trip={trip}
              search={search}
              availability={availability}
              price={prices?.[availability.class]}
            />
          ))}
        </ul>
      </article>
    </li>
  );
}

function ClassRow({
  trip,
  search,
  availability,
  price,
}: {
  trip: Trip;
  search: TripSearchResult;
  availability: ClassAvailability;
  price?: ClassPrice;
}) {
  const t = useT();
  const lang = useLang();
  const name = className(availability.class, t);
  const free = availability.seatsFree;
  let seats: string;
  if (free <= 0) seats = t('trips.results.full');
  else if (!availability.available) seats = t('trips.results.notEnough', { count: search.passengers });
  else seats = countText(t, lang, free, 'trips.common.seatsFreeOne', 'trips.common.seatsFreeMany');
  const to = seatMapPath(trip.id, {
    from: search.from.code,
    to: search.to.code,
    travelClass: availability.class,
    passengers: search.passengers,
    seats: [],
  });

  return (
    <li className={availability.available ? 'trip-class' : 'trip-class trip-class--unavailable'}>
      <span className="trip-class__name">{name}</span>
      <span className="trip-class__seats">{seats}</span>
      {price ? (
        <span className="trip-class__price">
          {formatMoneyXAF(price.total)}
          {price.passengers > 1 ? (
            <span className="trip-class__unit">
              {' '}
              {t('trips.results.pricePerPassenger', { price: formatMoneyXAF(price.unitPrice) })}
            </span>
          ) : null}
        </span>
      ) : null}
      {availability.available ? (
        <Link className="button button--small trip-class__choose" to={to}>
          {t('trips.results.choose')}
          <span className="visually-hidden">
            {' '}
            {t('trips.results.chooseLabel', { class: name, train: trip.trainNumber })}
          </span>
        </Link>
      ) : null}
    </li>
  );
}
