import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { isSingular } from '../../../i18n/lang';
import { useLang, useT, type Translate } from '../../../i18n';
import { isProblem } from '../../../lib/api';
import { localIsoDate } from '../../../lib/format';
import { navigate, useSearch } from '../../../lib/router';
import { useRequest, type RequestState } from '../../../lib/useRequest';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { getSeatMap } from '../api/getSeatMap';
import type { Coach, Seat, SeatMap } from '../api/types';
import {
  bookPath,
  choiceFromQuery,
  coachesOfClass,
  freeSeats,
  initialChoice,
  isChoosable,
  seatMapPath,
  toggleSeat,
  type SeatChoice,
  type SeatRef,
  type ToggleOutcome,
} from '../seats';
import { tripsPath } from '../search';
import { CoachPlan } from './CoachPlan';
import { CLASS_IN_TEXT, countText } from './labels';
import { JourneySummary } from './JourneySummary';
import { SeatLegend } from './SeatLegend';
import { TrainComposition } from './TrainComposition';

/** The seat map of a journey, loaded for a page of the trip (`/trips/42/seats`, `/trips/42/book`). */
export function useSeatMap(tripId: number, choice: SeatChoice): RequestState<SeatMap> & { retry: () => void } {
  return useRequest(`${tripId}?from=${choice.from}&to=${choice.to}`, (signal) =>
    getSeatMap(tripId, { from: choice.from, to: choice.to }, signal),
  );
}

/** Back to the trains of the journey's date. */
export function resultsPath(map: SeatMap, passengers: number): string {
  return tripsPath({ from: map.from.code, to: map.to.code, date: localIsoDate(map.from.departure), passengers });
}

/**
 * The loading, failure and "no such trip" states of a trip's pages; null once the map is there.
 * The caller shows its title above.
 */
export function SeatMapStatus({ state }: { state: RequestState<SeatMap> & { retry: () => void } }) {
  const t = useT();
  if (state.status === 'failed' && state.error.kind === 'problem' && state.error.status !== 429) {
    const notFound = isProblem(state.error, 'not-found') || state.error.status === 404;
    return (
      <>
        <Notice tone="error">{t(notFound ? 'trips.seats.notFound' : 'trips.seats.invalidJourney')}</Notice>
        <p>
          <Link className="button" to="/trips">
            {t('trips.common.newSearch')}
          </Link>
        </p>
      </>
    );
  }
  return <RequestStatus state={state} loadingText={t('trips.seats.loading')} onRetry={state.retry} />;
}

/** `/trips/42/seats?from=OWE&to=FCV&class=second&passengers=2`: choose one seat per traveller. */
export function SeatMapPage({ tripId }: { tripId: number }) {
  const t = useT();
  const query = useSearch();
  const choice = useMemo(() => choiceFromQuery(query), [query]);
  const state = useSeatMap(tripId, choice);

  if (state.status !== 'done') {
    return (
      <>
        <PageTitle>{t('trips.seats.title')}</PageTitle>
        <SeatMapStatus state={state} />
      </>
    );
  }

  const map = state.data;
  const back = (
    <p>
      <Link to={resultsPath(map, choice.passengers)}>{t('trips.common.backToTrips')}</Link>
    </p>
  );
  let problem: string | null = null;
  if (map.status === 'cancelled') problem = t('trips.seats.cancelled');
  else if (choice.travelClass === null || coachesOfClass(map, choice.travelClass).length === 0) {
    problem = t('trips.seats.noClass');
  } else if (
    coachesOfClass(map, choice.travelClass).reduce((sum, coach) => sum + freeSeats(coach), 0) < choice.passengers
  ) {
    problem = t('trips.seats.notEnoughFree', { class: t(CLASS_IN_TEXT[choice.travelClass]), count: choice.passengers });
  }

  return (
    <>
      <PageTitle>{t('trips.seats.title')}</PageTitle>
      <JourneySummary map={map} />
      {problem ? (
        <>
          <Notice tone="error">{problem}</Notice>
          {back}
        </>
      ) : (
        <SeatPicker tripId={tripId} map={map} choice={choice} back={back} />
      )}
    </>
  );
}

function outcomeMessage(outcome: ToggleOutcome, seat: SeatRef, max: number, t: Translate, singular: boolean): string {
  const vars = { coach: seat.coach, seat: seat.seat };
  switch (outcome) {
    case 'added':
      return t('trips.seats.added', vars);
    case 'removed':
      return t('trips.seats.removed', vars);
    case 'replaced':
      return t('trips.seats.replaced', vars);
    case 'unavailable':
      return t('trips.seats.unavailable', vars);
    case 'limit':
      return t(singular ? 'trips.seats.limitOne' : 'trips.seats.limitMany', { count: max });
  }
}

interface PickerProps {
  tripId: number;
  map: SeatMap;
  choice: SeatChoice;
  back: ReactElement;
}

function SeatPicker({ tripId, map, choice, back }: PickerProps) {
  const t = useT();
  const lang = useLang();
  const [chosen, setChosen] = useState<SeatRef[]>(() => initialChoice(map, choice));
  const [message, setMessage] = useState('');
  const [focusSeats, setFocusSeats] = useState<Record<number, number>>({});
  const max = choice.passengers;
  const travelClass = choice.travelClass;
  const chosenRef = useRef(chosen);
  chosenRef.current = chosen;
  const choiceRef = useRef(choice);
  choiceRef.current = choice;

  // The chosen seats live in the URL too: a reload, or coming back from the next step, keeps them.
  useEffect(() => {
    navigate(seatMapPath(tripId, { ...choiceRef.current, seats: chosen }), { replace: true });
  }, [chosen, tripId]);

  const onToggle = useCallback(
    (coach: Coach, seat: Seat) => {
      const ref = { coach: coach.number, seat: seat.number };
      const result = toggleSeat(chosenRef.current, ref, { choosable: isChoosable(coach, seat, travelClass), max });
      chosenRef.current = result.chosen;
      setChosen(result.chosen);
      setMessage(outcomeMessage(result.outcome, ref, max, t, isSingular(max, lang)));
    },
    [travelClass, max, t, lang],
  );

  const onFocusSeat = useCallback((coach: number, seat: number) => {
    setFocusSeats((previous) => (previous[coach] === seat ? previous : { ...previous, [coach]: seat }));
  }, []);

  const remaining = max - chosen.length;
  const done = remaining === 0;
  const classText = travelClass ? t(CLASS_IN_TEXT[travelClass]) : '';
  const chosenList = chosen
    .map((ref) => t('trips.seats.seatShort', { coach: ref.coach, seat: ref.seat }))
    .join(lang === 'fr' ? ' ; ' : '; ');

  return (
    <>
      <p className="lead">
        {countText(t, lang, max, 'trips.seats.instructionsOne', 'trips.seats.instructionsMany', { class: classText })}
      </p>
      {back}
      <SeatLegend />
      <TrainComposition map={map} travelClass={travelClass} />
      <div className="coaches">
        {map.coaches.map((coach) => {
          const mine = coach.kind === 'seats' && coach.class === travelClass;
          const seatsHere = chosen.filter((ref) => ref.coach === coach.number).map((ref) => ref.seat);
          const firstFree = coach.seats.find((seat) => isChoosable(coach, seat, travelClass)) ?? coach.seats[0];
          return (
            <CoachPlan
              key={coach.number}
              coach={coach}
              travelClass={travelClass}
              chosen={mine ? seatsHere.join(',') : ''}
              focusSeat={mine ? (focusSeats[coach.number] ?? seatsHere[0] ?? firstFree?.number ?? null) : null}
              onToggle={onToggle}
              onFocusSeat={onFocusSeat}
            />
          );
        })}
      </div>
      <div className="seat-footer">
        <div className="seat-footer__text">
          <p className="seat-footer__message" role="status">
            {message}
          </p>
          <p id="seat-progress" className="seat-footer__progress">
            {done
              ? t('trips.seats.done')
              : countText(t, lang, remaining, 'trips.seats.remainingOne', 'trips.seats.remainingMany')}
          </p>
          {chosen.length > 0 ? (
            <p className="seat-footer__chosen">{t('trips.seats.chosenList', { seats: chosenList })}</p>
          ) : null}
        </div>
        <button
          type="button"
          className="button seat-footer__continue"
          disabled={!done}
          aria-describedby="seat-progress"
          onClick={() => navigate(bookPath(tripId, { ...choice, seats: chosen }))}
        >
          {t('trips.seats.continue')}
        </button>
      </div>
    </>
  );
}
