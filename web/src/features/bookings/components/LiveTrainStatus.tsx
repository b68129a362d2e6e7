import { useMemo } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import { formatDuration, formatTime } from '../../../lib/format';
import { useSource } from '../../../lib/poller';
import { Link } from '../../../ui/Link';
import type { Booking } from '../api/types';
import { bookingTrainStatus, type Boarding } from '../liveStatus';
import { bookingTrain } from '../trainSource';

const BOARDING_TEXTS: Record<Exclude<Boarding['kind'], 'unknown'>, { time: TKey; noTime: TKey }> = {
  expected: { time: 'bookings.live.expected', noTime: 'bookings.live.expectedNoTime' },
  at: { time: 'bookings.live.at', noTime: 'bookings.live.atNoTime' },
  left: { time: 'bookings.live.left', noTime: 'bookings.live.leftNoTime' },
};

/** The first letter in capitals: the parts of the sentence are written to stand in the middle of one. */
function sentence(text: string): string {
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}.` : '';
}

/**
 * "Train 714 : 12 min de retard, attendu à Ndjolé à 15h18", while the booked train runs and tracking has live
 * data for it; nothing otherwise (no tracker yet, a failed request: the booking page is not about that). "En
 * direct" while the live socket brings the news, else the time of the last update.
 */
export function LiveTrainStatus({ booking }: { booking: Booking }) {
  const t = useT();
  const lang = useLang();
  const tripId = booking.trip.id;
  const source = useMemo(() => bookingTrain(booking.pnr, tripId), [booking.pnr, tripId]);
  const run = useSource(source);
  const status = run.data ? bookingTrainStatus(run.data, booking.from.code) : null;
  if (!status) return null;

  const delay =
    status.delay.kind === 'late'
      ? t('bookings.live.late', { duration: formatDuration(status.delay.minutes, lang) })
      : status.delay.kind === 'early'
        ? t('bookings.live.early', { duration: formatDuration(status.delay.minutes, lang) })
        : status.delay.kind === 'on-time'
          ? t('bookings.live.onTime')
          : null;
  const boarding = status.boarding;
  const where =
    boarding.kind === 'unknown'
      ? null
      : boarding.time
        ? t(BOARDING_TEXTS[boarding.kind].time, { station: boarding.station, time: formatTime(boarding.time, lang) })
        : t(BOARDING_TEXTS[boarding.kind].noTime, { station: boarding.station });

  return (
    <section
      className={`booking-live booking-live--${status.delay.kind}`}
      aria-labelledby="booking-live-title"
    >
      <h2 id="booking-live-title" className="booking-live__title">
        {t('bookings.live.title', { number: status.trainNumber })}
      </h2>
      <p>{sentence([delay, where].filter(Boolean).join(', '))}</p>
      {run.live && !run.error ? (
        <p className="muted booking-live__updated booking-live__updated--live">{t('bookings.live.live')}</p>
      ) : run.receivedAt ? (
        <p className="muted booking-live__updated">
          {t(run.error ? 'bookings.live.lastUpdate' : 'bookings.live.updatedAt', {
            time: formatTime(run.receivedAt, lang),
          })}
        </p>
      ) : null}
      <p>
        <Link to={`/trains/${tripId}`}>{t('bookings.live.follow')}</Link>
      </p>
    </section>
  );
}
