import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { getTripDates } from '../lib/tripDates';
import { useLang, useT } from '../i18n';
import {
  TrainDatesCache,
  addMonths,
  calendarBounds,
  dayAfterKey,
  datesQuery,
  focusDayIn,
  initialMonth,
  isCalendarKey,
  isSelectable,
  longDay,
  monthGrid,
  monthHasSelectable,
  monthOf,
  monthTitle,
  weekdayNames,
  type DatesQuery,
  type TrainDays,
} from './calendar';

const DATES_TIMEOUT_MS = 15_000;

/**
 * The days with a train, for the whole visit (each journey and month asked once, whichever form asks), from
 * `GET /api/v1/trips/dates`; a request that takes longer than 15 s counts as no answer.
 */
export const trainDates = new TrainDatesCache((query: DatesQuery) => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), DATES_TIMEOUT_MS);
  return getTripDates(query, controller.signal).finally(() => clearTimeout(timer));
});

interface Props {
  id: string;
  /** The day in the date field, `YYYY-MM-DD`, or null when it reads as no date. */
  chosen: string | null;
  /** Today in Libreville. */
  today: string;
  /** The journey (station codes, or names as typed): its days with a train are marked. Empty: no marks. */
  from: string;
  to: string;
  /** Where the days with a train come from (`trainDates`). */
  trainDates: TrainDatesCache;
  onPick: (day: string) => void;
  /** Closed without a choice: by Escape or "Fermer" (`returnFocus`), or by a click elsewhere. */
  onClose: (returnFocus: boolean) => void;
}

/**
 * A month to choose the day of travel from (the trip search's date field, the exchange's) (WAI-ARIA date picker dialog): weeks from Monday, today to about two months
 * ahead, the arrow keys by day and week, Home/End the week, PageUp/PageDown the month, Enter to choose, Escape to
 * close. The days with a train on this journey are marked when the server says which.
 */
export function DateCalendar({ id, chosen, today, from, to, trainDates, onPick, onClose }: Props) {
  const t = useT();
  const lang = useLang();
  const bounds = useMemo(() => calendarBounds(today), [today]);
  const [month, setMonth] = useState(() => initialMonth(chosen, bounds));
  const [focusDay, setFocusDay] = useState(() => focusDayIn(initialMonth(chosen, bounds), chosen, bounds));
  const moveFocus = useRef(true); // on opening, then after each key in the grid
  const dialog = useRef<HTMLDivElement>(null);
  const grid = useRef<HTMLTableElement>(null);

  useEffect(() => {
    if (!moveFocus.current) return;
    moveFocus.current = false;
    grid.current?.querySelector<HTMLButtonElement>(`button[data-day="${focusDay}"]`)?.focus();
  }, [focusDay, month]);

  // A click or a touch outside the calendar closes it (the toggle button is outside too: it closes it itself).
  useEffect(() => {
    const outside = (event: PointerEvent) => {
      const target = event.target as Node | null;
      const toggle = document.querySelector(`[aria-controls="${id}"]`);
      if (target && !dialog.current?.contains(target) && !toggle?.contains(target)) onClose(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [onClose, id]);

  const query = datesQuery(from, to, month, bounds);
  const queryKey = query ? TrainDatesCache.key(query) : null;
  const [trains, setTrains] = useState<{ key: string; days: TrainDays } | null>(null);
  useEffect(() => {
    if (!query || !queryKey) return;
    let current = true;
    void trainDates.get(query).then((days) => {
      if (current) setTrains({ key: queryKey, days });
    });
    return () => {
      current = false;
    };
  }, [queryKey, trainDates]);
  const known = trains && trains.key === queryKey && trains.days.status === 'known' ? trains.days.days : null;

  function showMonth(next: string) {
    setMonth(next);
    setFocusDay(focusDayIn(next, chosen, bounds));
  }

  function onGridKey(event: KeyboardEvent<HTMLTableElement>) {
    if (!isCalendarKey(event.key)) return;
    event.preventDefault();
    const next = dayAfterKey(focusDay, event.key, bounds);
    moveFocus.current = true;
    setMonth(monthOf(next));
    setFocusDay(next);
  }

  const titleId = `${id}-title`;
  const previous = addMonths(month, -1);
  const following = addMonths(month, 1);
  const weekdays = weekdayNames(lang);

  return (
    <div
      ref={dialog}
      id={id}
      className="calendar"
      role="dialog"
      aria-modal="false"
      aria-labelledby={titleId}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          onClose(true);
        }
      }}
    >
      <div className="calendar__head">
        <button
          type="button"
          className="calendar__nav"
          aria-label={t('ui.calendar.previousMonth')}
          disabled={!monthHasSelectable(previous, bounds)}
          onClick={() => showMonth(previous)}
        >
          <span aria-hidden="true">‹</span>
        </button>
        <h3 id={titleId} className="calendar__title" aria-live="polite">
          {monthTitle(month, lang)}
        </h3>
        <button
          type="button"
          className="calendar__nav"
          aria-label={t('ui.calendar.nextMonth')}
          disabled={!monthHasSelectable(following, bounds)}
          onClick={() => showMonth(following)}
        >
          <span aria-hidden="true">›</span>
        </button>
      </div>
      <table ref={grid} role="grid" className="calendar__grid" aria-labelledby={titleId} onKeyDown={onGridKey}>
        <thead>
          <tr>
            {weekdays.map((name) => (
              <th key={name.long} scope="col" abbr={name.long}>
                <span aria-hidden="true">{name.short}</span>
                <span className="visually-hidden">{name.long}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {monthGrid(month).map((week) => (
            <tr key={week.find(Boolean) ?? ''}>
              {week.map((day, index) => {
                if (day === null) return <td key={`blank-${index}`} />;
                const selectable = isSelectable(day, bounds);
                const hasTrain = known?.has(day) ?? false;
                const trainText = known && selectable ? t(hasTrain ? 'ui.calendar.train' : 'ui.calendar.noTrain') : '';
                const classes = ['calendar__day'];
                if (day === chosen) classes.push('calendar__day--chosen');
                if (day === today) classes.push('calendar__day--today');
                if (known && selectable) classes.push(hasTrain ? 'calendar__day--train' : 'calendar__day--no-train');
                return (
                  <td key={day} aria-selected={day === chosen}>
                    <button
                      type="button"
                      className={classes.join(' ')}
                      data-day={day}
                      tabIndex={day === focusDay ? 0 : -1}
                      disabled={!selectable}
                      aria-current={day === today ? 'date' : undefined}
                      aria-label={trainText ? `${longDay(day, lang)}, ${trainText}` : longDay(day, lang)}
                      onClick={() => onPick(day)}
                    >
                      {Number(day.slice(8, 10))}
                      {hasTrain && selectable ? (
                        <span className="calendar__mark" aria-hidden="true" />
                      ) : null}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="calendar__foot">
        <p className="calendar__legend">
          {known ? (
            <>
              <span className="calendar__mark calendar__mark--legend" aria-hidden="true" />
              {t('ui.calendar.legend')}
            </>
          ) : from.trim() === '' || to.trim() === '' ? (
            t('ui.calendar.chooseStations')
          ) : null}
        </p>
        <button type="button" className="button button--secondary button--small" onClick={() => onClose(true)}>
          {t('ui.calendar.close')}
        </button>
      </div>
    </div>
  );
}
