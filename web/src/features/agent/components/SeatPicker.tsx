import { useT, type TKey } from '../../../i18n';
import type { Coach, SeatRef, TravelClass } from '../api/types';

const SEAT_LABELS: Record<'chosen' | 'free' | 'taken', TKey> = {
  chosen: 'agent.sale.seats.chosenSeat',
  free: 'agent.sale.seats.freeSeat',
  taken: 'agent.sale.seats.takenSeat',
};

interface Props {
  coaches: readonly Coach[];
  travelClass: TravelClass;
  chosen: readonly SeatRef[];
  max: number;
  onToggle: (seat: SeatRef) => void;
}

/** The counter's seat plan: each coach of the class, its seats where they are (row, column), free ones to tap. */
export function SeatPicker({ coaches, travelClass, chosen, max, onToggle }: Props) {
  const t = useT();
  const ofClass = coaches.filter((coach) => coach.kind === 'seats' && coach.class === travelClass);
  return (
    <div className="sale-seats">
      <p role="status">{t('agent.sale.seats.chosen', { count: chosen.length, max })}</p>
      {ofClass.map((coach) => {
        const columns = Math.max(1, ...coach.seats.map((seat) => seat.column));
        const free = coach.seats.filter((seat) => seat.free).length;
        return (
          <fieldset key={coach.number} className="sale-seats__coach">
            <legend>{t('agent.sale.seats.coach', { coach: coach.number, free })}</legend>
            <div className="sale-seats__grid" style={{ gridTemplateColumns: `repeat(${columns}, 2.5rem)` }}>
              {coach.seats.map((seat) => {
                const isChosen = chosen.some((c) => c.coach === coach.number && c.seat === seat.number);
                const state = isChosen ? 'chosen' : seat.free ? 'free' : 'taken';
                return (
                  <button
                    key={seat.number}
                    type="button"
                    className={`sale-seat sale-seat--${state}`}
                    style={{ gridRow: seat.row, gridColumn: seat.column }}
                    aria-pressed={isChosen}
                    disabled={!seat.free && !isChosen}
                    aria-label={t(SEAT_LABELS[state], { coach: coach.number, seat: seat.number })}
                    onClick={() => onToggle({ coach: coach.number, seat: seat.number })}
                  >
                    {seat.number}
                  </button>
                );
              })}
            </div>
          </fieldset>
        );
      })}
    </div>
  );
}
