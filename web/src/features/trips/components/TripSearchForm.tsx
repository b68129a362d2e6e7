import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useLang, useT, type TKey } from '../../../i18n';
import { formatIsoDate, todayInLibreville } from '../../../lib/format';
import { CalendarIcon } from '../../../ui/CalendarIcon';
import { DateCalendar, trainDates } from '../../../ui/DateCalendar';
import { ComboboxField, type ComboboxOption } from '../../../ui/ComboboxField';
import { TextField } from '../../../ui/TextField';
import type { Station } from '../api/types';
import {
  PASSENGERS,
  SEARCH_FIELDS,
  draftFromSearch,
  parseDateInput,
  quickDates,
  swapStations,
  validateDraft,
  type SearchDraft,
  type SearchErrorCode,
  type SearchErrors,
  type SearchField,
  type TripSearch,
} from '../search';
import { foldKey, matchStations, resolveStation } from '../stations';
import { useStations } from '../useStations';
import { countText } from './labels';

/** The days with a train, for the whole visit: each journey and month is asked once. */

const FIELD_MESSAGES: Record<SearchField, Partial<Record<SearchErrorCode, TKey>> & { invalid: TKey }> = {
  from: {
    required: 'trips.search.errors.from.required',
    'unknown-station': 'trips.search.errors.from.unknownStation',
    invalid: 'trips.search.errors.from.invalid',
  },
  to: {
    required: 'trips.search.errors.to.required',
    'unknown-station': 'trips.search.errors.to.unknownStation',
    'same-station': 'trips.search.errors.to.sameStation',
    invalid: 'trips.search.errors.to.invalid',
  },
  date: {
    required: 'trips.search.errors.date.required',
    'invalid-date': 'trips.search.errors.date.invalidDate',
    'past-date': 'trips.search.errors.date.pastDate',
    invalid: 'trips.search.errors.date.invalid',
  },
  passengers: {
    'out-of-range': 'trips.search.errors.passengers.outOfRange',
    invalid: 'trips.search.errors.passengers.invalid',
  },
};

const SUGGESTIONS = 8;
const PASSENGER_CHOICES = Array.from({ length: PASSENGERS.max - PASSENGERS.min + 1 }, (_, i) => PASSENGERS.min + i);

interface Props {
  /** The search shown (from the URL), or null for an empty form dated today. */
  search: TripSearch | null;
  /** The server's errors about that search, shown next to their fields. */
  errors?: SearchErrors;
  onSearch: (search: TripSearch) => void;
  /** Put the focus in the first field when the form appears (it was opened by a button). */
  focusOnMount?: boolean;
}

/** From, to (with suggestions and a swap button), date (today by default), travellers: then search. */
export function TripSearchForm({ search, errors: serverErrors, onSearch, focusOnMount = false }: Props) {
  const t = useT();
  const lang = useLang();
  const { stations, failed: stationsFailed } = useStations();
  const today = todayInLibreville();
  const initial = (): SearchDraft =>
    draftFromSearch(search ?? { from: '', to: '', date: today, passengers: 1 }, stations);
  const [draft, setDraft] = useState<SearchDraft>(initial);
  const [errors, setErrors] = useState<SearchErrors>(serverErrors ?? {});
  const [focusFirstError, setFocusFirstError] = useState(0);
  const inputs = useRef<Partial<Record<SearchField, HTMLInputElement | HTMLSelectElement | null>>>({});
  const edited = useRef(false);
  const [calendarOpen, setCalendarOpen] = useState(false);
  const calendarButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (focusOnMount) inputs.current.from?.focus();
  }, []);

  // Another search in the URL (a next date, the browser's back button): show it.
  const searchKey = search ? JSON.stringify(search) : '';
  useEffect(() => {
    edited.current = false;
    setDraft(initial());
  }, [searchKey]);

  // Once the station list arrives, `OWE` in the URL reads as `Owendo` (unless the user has typed since).
  useEffect(() => {
    if (stations && !edited.current) setDraft(initial());
  }, [stations]);

  useEffect(() => {
    setErrors(serverErrors ?? {});
    if (serverErrors && Object.keys(serverErrors).length > 0) setFocusFirstError((n) => n + 1);
  }, [serverErrors]);

  useEffect(() => {
    if (focusFirstError === 0) return;
    const first = SEARCH_FIELDS.find((field) => errors[field]);
    if (first) inputs.current[first]?.focus();
  }, [focusFirstError]);

  function update(changes: Partial<SearchDraft>) {
    edited.current = true;
    setDraft((previous) => ({ ...previous, ...changes }));
    const fields = Object.keys(changes) as SearchField[];
    if (fields.some((field) => errors[field] || (field === 'from' && errors.to === 'same-station'))) {
      setErrors((previous) => {
        const next = { ...previous };
        for (const field of fields) delete next[field];
        if (fields.includes('from') && next.to === 'same-station') delete next.to;
        return next;
      });
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = validateDraft(draft, stations, today);
    setErrors(result.errors);
    if (!result.search) {
      setFocusFirstError((n) => n + 1);
      return;
    }
    onSearch(result.search);
  }

  const errorFor = (field: SearchField): string | undefined => {
    const code = errors[field];
    if (!code) return undefined;
    const messages = FIELD_MESSAGES[field];
    return t(messages[code] ?? messages.invalid);
  };

  const stationOptions = (text: string): ComboboxOption[] =>
    stations
      ? matchStations(text, stations, text.trim() === '' ? Infinity : SUGGESTIONS).map((station: Station) => ({
          value: station.code,
          label: station.name,
          detail: station.code,
        }))
      : [];
  const statusText = (options: readonly ComboboxOption[]) =>
    options.length === 0
      ? t('trips.search.noStationFound')
      : countText(t, lang, options.length, 'trips.search.stationsFoundOne', 'trips.search.stationsFoundMany');
  const fromOptions = stationOptions(draft.from);
  const toOptions = stationOptions(draft.to);
  const dates = quickDates(today);
  // The journey whose days with a train the calendar marks: codes once the list is known, else the texts as typed.
  const journeyStation = (text: string): string =>
    stations ? resolveStation(text, stations)?.code ?? '' : text.trim();
  const journey = { from: journeyStation(draft.from), to: journeyStation(draft.to) };
  if (journey.from !== '' && foldKey(journey.from) === foldKey(journey.to)) journey.to = '';
  const closeCalendar = useCallback((returnFocus: boolean) => {
    setCalendarOpen(false);
    if (returnFocus) calendarButton.current?.focus();
  }, []);
  const hasErrors = SEARCH_FIELDS.some((field) => errors[field]);

  return (
    <form className="form trip-search" noValidate onSubmit={submit} role="search">
      {hasErrors ? (
        <p className="visually-hidden" role="alert">
          {t('trips.search.fixErrors')}
        </p>
      ) : null}
      {stationsFailed && !stations ? <p className="field__hint">{t('trips.search.stationsUnavailable')}</p> : null}
      <p id="trip-stations-hint" className="field__hint">
        {t('trips.search.stationHint')}
      </p>
      <div className="trip-search__stations">
        <ComboboxField
          ref={(el) => (inputs.current.from = el)}
          id="trip-from"
          name="from"
          label={t('trips.search.from')}
          describedBy="trip-stations-hint"
          error={errorFor('from')}
          value={draft.from}
          options={fromOptions}
          statusText={statusText(fromOptions)}
          onInput={(from) => update({ from })}
          onPick={(option) => update({ from: option.label })}
        />
        <button
          type="button"
          className="button button--secondary button--small trip-search__swap"
          aria-label={t('trips.search.swapLabel')}
          onClick={() => update(swapStations({ from: draft.from, to: draft.to }))}
        >
          <span aria-hidden="true">⇅ </span>
          {t('trips.search.swap')}
        </button>
        <ComboboxField
          ref={(el) => (inputs.current.to = el)}
          id="trip-to"
          name="to"
          label={t('trips.search.to')}
          describedBy="trip-stations-hint"
          error={errorFor('to')}
          value={draft.to}
          options={toOptions}
          statusText={statusText(toOptions)}
          onInput={(to) => update({ to })}
          onPick={(option) => update({ to: option.label })}
        />
      </div>
      <div className="trip-search__when">
        <div className="trip-search__date">
          <TextField
            ref={(el) => (inputs.current.date = el)}
            id="trip-date"
            name="date"
            label={t('trips.search.date')}
            hint={t('trips.search.dateHint')}
            error={errorFor('date')}
            inputMode="numeric"
            autoComplete="off"
            maxLength={10}
            value={draft.date}
            addon={
              <button
                ref={calendarButton}
                type="button"
                className="button button--secondary trip-search__calendar-button"
                aria-haspopup="dialog"
                aria-expanded={calendarOpen}
                aria-controls="trip-date-calendar"
                onClick={() => setCalendarOpen((open) => !open)}
              >
                <CalendarIcon />
                {t('ui.calendar.open')}
              </button>
            }
            onChange={(event) => update({ date: event.target.value })}
            onBlur={() => {
              // `24112026` or `24.11` reads back as `24/11/2026`, so the traveller sees which day was understood.
              const iso = parseDateInput(draft.date, today);
              if (iso && formatIsoDate(iso) !== draft.date) update({ date: formatIsoDate(iso) });
            }}
          />
          {calendarOpen ? (
            <DateCalendar
              id="trip-date-calendar"
              chosen={parseDateInput(draft.date, today)}
              today={today}
              from={journey.from}
              to={journey.to}
              trainDates={trainDates}
              onPick={(day) => {
                update({ date: formatIsoDate(day) });
                closeCalendar(true);
              }}
              onClose={closeCalendar}
            />
          ) : null}
          <p className="trip-search__quick-dates">
            <button
              type="button"
              className="chip"
              aria-pressed={draft.date === formatIsoDate(dates.today)}
              onClick={() => update({ date: formatIsoDate(dates.today) })}
            >
              {t('trips.search.today')}
            </button>
            <button
              type="button"
              className="chip"
              aria-pressed={draft.date === formatIsoDate(dates.tomorrow)}
              onClick={() => update({ date: formatIsoDate(dates.tomorrow) })}
            >
              {t('trips.search.tomorrow')}
            </button>
          </p>
        </div>
        <div className={errors.passengers ? 'field field--invalid' : 'field'}>
          <label htmlFor="trip-passengers">{t('trips.search.passengers')}</label>
          <select
            ref={(el) => (inputs.current.passengers = el)}
            id="trip-passengers"
            name="passengers"
            className="field__input"
            aria-invalid={errors.passengers ? true : undefined}
            aria-describedby={errors.passengers ? 'trip-passengers-error' : undefined}
            value={draft.passengers}
            onChange={(event) => update({ passengers: Number(event.target.value) })}
          >
            {PASSENGER_CHOICES.map((count) => (
              <option key={count} value={count}>
                {countText(t, lang, count, 'trips.common.passengersOne', 'trips.common.passengersMany')}
              </option>
            ))}
          </select>
          {errors.passengers ? (
            <p id="trip-passengers-error" className="field__error">
              {errorFor('passengers')}
            </p>
          ) : null}
        </div>
      </div>
      <button type="submit" className="button trip-search__submit">
        {t('trips.search.submit')}
      </button>
    </form>
  );
}
