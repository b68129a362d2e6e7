import { memo, type KeyboardEvent } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import type { Coach, Seat, SeatPosition, TravelClass } from '../api/types';
import { coachRows, isChoosable, seatAfterMove, type Move } from '../seats';
import { airConditioning, coachFreeText, coachTitle } from './coachText';

const POSITIONS: Record<SeatPosition, TKey> = {
  window: 'trips.seats.positions.window',
  aisle: 'trips.seats.positions.aisle',
  middle: 'trips.seats.positions.middle',
};

type SeatState = 'free' | 'taken' | 'chosen';

const STATES: Record<SeatState, TKey> = {
  free: 'trips.seats.states.free',
  taken: 'trips.seats.states.taken',
  chosen: 'trips.seats.states.chosen',
};

const KEY_MOVES: Record<string, Move> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  Home: 'rowStart',
  End: 'rowEnd',
};

export const seatElementId = (coach: number, seat: number) => `seat-${coach}-${seat}`;
export const coachElementId = (coach: number) => `coach-${coach}`;

interface Props {
  coach: Coach;
  travelClass: TravelClass | null;
  /** The seat numbers chosen in this coach, as `1,2` (a string, so that an unchanged coach is not redrawn). */
  chosen: string;
  /** The seat reached by Tab in this coach (the others by the arrow keys). */
  focusSeat: number | null;
  onToggle: (coach: Coach, seat: Seat) => void;
  onFocusSeat: (coach: number, seat: number) => void;
}

/**
 * One coach in the train: a seat plan for a coach of the chosen class, a labelled block for the others
 * (baggage van, bar, other classes). Seats are buttons named for screen readers ("Voiture 3, place 14,
 * fenêtre, libre"); Tab enters and leaves the coach, the arrow keys move from seat to seat.
 */
export const CoachPlan = memo(function CoachPlan(props: Props) {
  const { coach, travelClass, chosen, focusSeat, onToggle, onFocusSeat } = props;
  const t = useT();
  const lang = useLang();
  const titleId = `${coachElementId(coach.number)}-title`;
  const mine = coach.kind === 'seats' && coach.class === travelClass;

  if (!mine) {
    const details =
      coach.kind === 'seats'
        ? [t('trips.seats.otherClass'), airConditioning(coach, t)]
        : coach.kind === 'bar'
          ? [t('trips.seats.noSeatsHere'), airConditioning(coach, t)]
          : [t('trips.seats.noSeatsHere')];
    return (
      <section
        className={`coach coach--block coach--${coach.kind}`}
        id={coachElementId(coach.number)}
        aria-labelledby={titleId}
      >
        <h3 id={titleId} className="coach__title" tabIndex={-1}>
          {coachTitle(coach, t)}
        </h3>
        <p className="coach__meta">{details.join(' · ')}</p>
      </section>
    );
  }

  const rows = coachRows(coach);
  const chosenSeats = new Set(chosen.split(',').filter(Boolean).map(Number));
  const stateOf = (seat: Seat): SeatState =>
    chosenSeats.has(seat.number) ? 'chosen' : isChoosable(coach, seat, travelClass) ? 'free' : 'taken';

  function keyDown(event: KeyboardEvent<HTMLButtonElement>, seat: Seat) {
    let move = KEY_MOVES[event.key];
    if (!move) return;
    if (event.ctrlKey && event.key === 'Home') move = 'first';
    if (event.ctrlKey && event.key === 'End') move = 'last';
    event.preventDefault();
    const next = seatAfterMove(rows, seat.number, move);
    if (next === null) return;
    onFocusSeat(coach.number, next);
    document.getElementById(seatElementId(coach.number, next))?.focus();
  }

  return (
    <section className="coach" id={coachElementId(coach.number)} aria-labelledby={titleId}>
      <h3 id={titleId} className="coach__title" tabIndex={-1}>
        {coachTitle(coach, t)}
      </h3>
      <p className="coach__meta">
        {[
          coach.layout ? t('trips.seats.layout', { layout: coach.layout }) : null,
          airConditioning(coach, t),
          coachFreeText(coach, t, lang),
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <div className="coach__scroll">
        <div className="coach__plan" role="group" aria-label={t('trips.seats.coachSeats', { number: coach.number })}>
          {rows.map((row) => (
            <div className="seat-row" key={row.row}>
              {row.cells.map((cell, index) => {
                if (cell.kind !== 'seat') {
                  return <span key={`c${index}`} className={`seat-row__${cell.kind}`} aria-hidden="true" />;
                }
                const seat = cell.seat;
                const state = stateOf(seat);
                return (
                  <button
                    key={`c${index}`}
                    type="button"
                    id={seatElementId(coach.number, seat.number)}
                    className={`seat seat--${state} seat--${seat.position}`}
                    aria-label={t('trips.seats.seatLabel', {
                      coach: coach.number,
                      seat: seat.number,
                      position: POSITIONS[seat.position] ? t(POSITIONS[seat.position]) : seat.position,
                      state: t(STATES[state]),
                    })}
                    aria-pressed={state === 'taken' ? undefined : state === 'chosen'}
                    aria-disabled={state === 'taken' ? true : undefined}
                    tabIndex={seat.number === focusSeat ? 0 : -1}
                    onClick={() => {
                      onFocusSeat(coach.number, seat.number);
                      onToggle(coach, seat);
                    }}
                    onKeyDown={(event) => keyDown(event, seat)}
                  >
                    <span className="seat__number">{seat.number}</span>
                    {state === 'taken' ? <span className="seat__mark">✕</span> : null}
                    {state === 'chosen' ? <span className="seat__mark">✓</span> : null}
                  </button>
                );
              })}
            </div>
          ))}
        </div>
      </div>
    </section>
  );
});
