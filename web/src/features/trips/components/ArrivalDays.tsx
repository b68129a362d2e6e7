import { useT } from '../../../i18n';

/** `+1` after an arrival time the next day (`+2` two days later), said in words to screen readers. */
export function ArrivalDays({ days }: { days: number }) {
  const t = useT();
  if (days <= 0) return null;
  const label = days === 1 ? t('trips.common.nextDayLabel') : t('trips.common.daysLaterLabel', { days });
  return (
    <>
      <span className="arrival-days" aria-hidden="true" title={label}>
        {days === 1 ? t('trips.common.nextDay') : t('trips.common.daysLater', { days })}
      </span>
      <span className="visually-hidden"> {label}</span>
    </>
  );
}
