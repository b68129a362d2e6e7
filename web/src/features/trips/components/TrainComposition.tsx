import type { MouseEvent } from 'react';
import { useLang, useT } from '../../../i18n';
import type { Coach, SeatMap, TravelClass } from '../api/types';
import { freeSeats } from '../seats';
import { coachElementId } from './CoachPlan';
import { coachFreeText, coachKindName } from './coachText';
import { CLASS_SHORT } from './labels';

/**
 * The whole train at a glance, in order from the locomotive: every coach with its number and kind; the
 * coaches of the chosen class lead to their seat plan. Scrolls sideways on its own on a small screen.
 */
export function TrainComposition({ map, travelClass }: { map: SeatMap; travelClass: TravelClass | null }) {
  const t = useT();
  const lang = useLang();

  function jump(event: MouseEvent<HTMLAnchorElement>, coach: Coach) {
    event.preventDefault();
    const title = document.getElementById(`${coachElementId(coach.number)}-title`);
    title?.scrollIntoView({ block: 'start' });
    title?.focus({ preventScroll: true });
  }

  const short = (coach: Coach) => {
    if (coach.kind === 'baggage') return t('trips.seats.baggage');
    if (coach.kind === 'bar') return t('trips.seats.bar');
    return coach.class && coach.class in CLASS_SHORT ? t(CLASS_SHORT[coach.class]) : coach.type;
  };

  return (
    <nav className="train" aria-label={t('trips.seats.composition')}>
      <p className="train__hint">{t('trips.seats.compositionHint')}</p>
      <div className="train__scroll">
        <ol className="train__coaches">
          {map.coaches.map((coach) => {
            const mine = coach.kind === 'seats' && coach.class === travelClass;
            let state = t('trips.seats.noSeatsHere');
            if (mine) state = coachFreeText(coach, t, lang);
            else if (coach.kind === 'seats') state = t('trips.seats.otherClass');
            const number = t('trips.seats.coach', { number: coach.number });
            const spoken = [number, coachKindName(coach, t), state].join(', ');
            const classes = `train__coach train__coach--${coach.kind}${mine ? ' train__coach--mine' : ''}`;
            const content = (
              <>
                <span className="train__number" aria-hidden="true">
                  {coach.number}
                </span>
                <span className="train__kind" aria-hidden="true">
                  {short(coach)}
                </span>
                {mine ? (
                  <span className="train__free" aria-hidden="true">
                    {freeSeats(coach)}
                  </span>
                ) : null}
                <span className="visually-hidden">{spoken}</span>
              </>
            );
            return (
              <li key={coach.number} className={classes}>
                {mine ? (
                  <a href={`#${coachElementId(coach.number)}`} onClick={(event) => jump(event, coach)}>
                    {content}
                  </a>
                ) : (
                  <span className="train__block">{content}</span>
                )}
              </li>
            );
          })}
        </ol>
      </div>
    </nav>
  );
}
