import { useT } from '../../../i18n';

/** The three states of a seat, each with its own shape and mark, not only its colour. */
export function SeatLegend() {
  const t = useT();
  return (
    <div className="seat-legend">
      <p className="seat-legend__title">{t('trips.seats.legend')}</p>
      <ul className="seat-legend__items">
        <li>
          <span className="seat seat--free seat--sample" aria-hidden="true">
            <span className="seat__number">12</span>
          </span>
          {t('trips.seats.legendFree')}
        </li>
        <li>
          <span className="seat seat--taken seat--sample" aria-hidden="true">
            <span className="seat__number">12</span>
            <span className="seat__mark">✕</span>
          </span>
          {t('trips.seats.legendTaken')}
        </li>
        <li>
          <span className="seat seat--chosen seat--sample" aria-hidden="true">
            <span className="seat__number">12</span>
            <span className="seat__mark">✓</span>
          </span>
          {t('trips.seats.legendChosen')}
        </li>
      </ul>
    </div>
  );
}
