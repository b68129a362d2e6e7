// The trip search as the URL carries it (`/trips?from=OWE&to=FCV&date=2026-12-01&passengers=2`), the form's
// rules, and the server's errors placed next to their fields. Pure: no DOM, no i18n (the form picks the
// messages from the codes).
import { problemCode, type ApiError } from '../../lib/api';
import { addDays, formatIsoDate } from '../../lib/format';
import { toQueryString } from '../../lib/router';
import type { Station } from './api/types';
import { foldKey, resolveStation } from './stations';
import { parseDateInput } from '../../ui/calendar';

/** A date as typed (`24/11/2026`, `24112026`, `24/11`): shared with the exchange's date field. */
export { parseDateInput };

/** A search: station codes (or names, from a hand-written link), a local date `YYYY-MM-DD`, 1 to 9 travellers. */
export interface TripSearch {
  from: string;
  to: string;
  date: string;
  passengers: number;
}

export const PASSENGERS = { min: 1, max: 9 } as const;
export const MAX_STATION_TEXT = 100;

function passengersFrom(text: string | null): number {
  if (text === null || !/^\d+$/.test(text.trim())) return PASSENGERS.min;
  const value = Number(text.trim());
  return value >= PASSENGERS.min && value <= PASSENGERS.max ? value : PASSENGERS.min;
}

/**
 * The search in a query string. A missing date is today; a missing or unusable number of travellers is 1.
 * Station texts and a malformed date are kept as they are, so the server can say what is wrong with them.
 */
export function searchFromQuery(query: string, today: string): TripSearch {
  const params = new URLSearchParams(query);
  const text = (name: string) => (params.get(name) ?? '').trim().slice(0, MAX_STATION_TEXT);
  return {
    from: text('from'),
    to: text('to'),
    date: text('date') || today,
    passengers: passengersFrom(params.get('passengers')),
  };
}

/** `from=OWE&to=FCV&date=2026-12-01&passengers=2`, in that order, so that one search has one URL. */
export function searchToQuery(search: TripSearch): string {
  return toQueryString({ from: search.from, to: search.to, date: search.date, passengers: search.passengers });
}

export function tripsPath(search: TripSearch): string {
  return `/trips?${searchToQuery(search)}`;
}

/** Whether there is something to ask the server: both stations (the date always has a value). */
export function isSearchable(search: TripSearch): boolean {
  return search.from !== '' && search.to !== '' && search.date !== '';
}

// --- The form ---

export type SearchField = 'from' | 'to' | 'date' | 'passengers';
export const SEARCH_FIELDS: readonly SearchField[] = ['from', 'to', 'date', 'passengers'];

/** The server's field codes, and `invalid` for one we do not know. */
export type SearchErrorCode =
  | 'required'
  | 'unknown-station'
  | 'same-station'
  | 'invalid-date'
  | 'past-date'
  | 'out-of-range'
  | 'invalid';

export type SearchErrors = Partial<Record<SearchField, SearchErrorCode>>;

/** Errors about the search as a whole rather than one field. */
export type SearchFormError = 'invalid' | 'network' | 'timeout' | 'too-many-requests' | 'unexpected';

/** What the form holds: the station texts and the date as typed, the number of travellers. */
export interface SearchDraft {
  from: string;
  to: string;
  date: string;
  passengers: number;
}

/** The form filled from a search: station names when the list is known, the date as `dd/mm/yyyy`. */
export function draftFromSearch(search: TripSearch, stations: readonly Station[] | null): SearchDraft {
  const label = (text: string) => (stations && resolveStation(text, stations)?.name) ?? text;
  return {
    from: label(search.from),
    to: label(search.to),
    date: formatIsoDate(search.date),
    passengers: search.passengers,
  };
}


/**
 * Checks the form before asking the server. With the station list, a text that names no station is an
 * error at once; without it (not loaded yet, slow network), the text goes as typed and the server decides.
 */
export function validateDraft(
  draft: SearchDraft,
  stations: readonly Station[] | null,
  today: string,
): { errors: SearchErrors; search?: TripSearch } {
  const errors: SearchErrors = {};
  const station = (field: 'from' | 'to'): string => {
    const text = draft[field].trim();
    if (text === '') {
      errors[field] = 'required';
      return '';
    }
    if (!stations) return text.slice(0, MAX_STATION_TEXT);
    const found = resolveStation(text, stations);
    if (!found) errors[field] = 'unknown-station';
    return found?.code ?? text;
  };
  const from = station('from');
  const to = station('to');
  if (!errors.from && !errors.to && (from === to || foldKey(from) === foldKey(to))) errors.to = 'same-station';

  let date = '';
  if (draft.date.trim() === '') errors.date = 'required';
  else {
    date = parseDateInput(draft.date, today) ?? '';
    if (date === '') errors.date = 'invalid-date';
    else if (date < today) errors.date = 'past-date';
  }

  const passengers = draft.passengers;
  if (!Number.isInteger(passengers) || passengers < PASSENGERS.min || passengers > PASSENGERS.max) {
    errors.passengers = 'out-of-range';
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { errors, search: { from, to, date, passengers } };
}

/** The search with its two stations exchanged. */
export function swapStations<T extends { from: string; to: string }>(value: T): T {
  return { ...value, from: value.to, to: value.from };
}

/** Quick dates under the date field: today and tomorrow. */
export function quickDates(today: string): { today: string; tomorrow: string } {
  return { today, tomorrow: addDays(today, 1) };
}

const KNOWN_CODES: readonly SearchErrorCode[] = [
  'required',
  'unknown-station',
  'same-station',
  'invalid-date',
  'past-date',
  'out-of-range',
];

function isSearchField(field: string): field is SearchField {
  return (SEARCH_FIELDS as readonly string[]).includes(field);
}

/** Turns a failed `GET /api/v1/trips` into messages next to the fields, or about the whole search. */
export function searchErrors(error: ApiError | { kind: 'timeout' }): { fields: SearchErrors; form?: SearchFormError } {
  if (error.kind === 'network') return { fields: {}, form: 'network' };
  if (error.kind === 'timeout') return { fields: {}, form: 'timeout' };
  if (error.kind === 'unexpected') return { fields: {}, form: 'unexpected' };
  if (error.status === 429) return { fields: {}, form: 'too-many-requests' };
  if (problemCode(error.problem) === 'validation' || error.status === 400 || error.status === 422) {
    const fields: SearchErrors = {};
    let unplaced = false;
    for (const item of error.problem.errors ?? []) {
      if (!isSearchField(item.field)) {
        unplaced = true;
        continue;
      }
      const code = (KNOWN_CODES as readonly string[]).includes(item.code) ? (item.code as SearchErrorCode) : 'invalid';
      fields[item.field] ??= code;
    }
    return Object.keys(fields).length > 0 && !unplaced ? { fields } : { fields, form: 'invalid' };
  }
  return { fields: {}, form: 'unexpected' };
}
