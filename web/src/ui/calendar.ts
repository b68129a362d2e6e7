// The date fields' calendar (the trip search, the exchange) and the dates typed in them: a month grid (weeks from Monday), which days may be chosen (today in Libreville up to
// about two months ahead), moving with the keyboard, and the days with a train from -> to
// (`GET /api/v1/trips/dates`), asked once per journey and month. Pure: no DOM, no i18n (names come from Intl in the
// language given).
import type { ApiResult } from '../lib/api';
import { addDays, isIsoDate } from '../lib/format';
import type { Lang } from '../i18n/lang';

/** How far ahead a day may be chosen: trains are on sale about two months ahead. */
export const DAYS_AHEAD = 62;

/** A month as `YYYY-MM`. */
export type Month = string;

/** The first and last days that may be chosen, `YYYY-MM-DD`, from today in Libreville. */
export interface Bounds {
  first: string;
  last: string;
}

export function calendarBounds(today: string, daysAhead: number = DAYS_AHEAD): Bounds {
  return { first: today, last: addDays(today, daysAhead) };
}

export function isSelectable(iso: string, bounds: Bounds): boolean {
  return isIsoDate(iso) && iso >= bounds.first && iso <= bounds.last;
}

export function monthOf(iso: string): Month {
  return iso.slice(0, 7);
}

function monthParts(month: Month): { year: number; month: number } {
  return { year: Number(month.slice(0, 4)), month: Number(month.slice(5, 7)) };
}

function monthString(year: number, month: number): Month {
  const date = new Date(Date.UTC(year, month - 1, 1));
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month `count` months after (before, when negative). */
export function addMonths(month: Month, count: number): Month {
  const { year, month: m } = monthParts(month);
  return monthString(year, m + count);
}

export function firstDayOf(month: Month): string {
  return `${month}-01`;
}

export function lastDayOf(month: Month): string {
  return addDays(firstDayOf(addMonths(month, 1)), -1);
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayIndex(iso: string): number {
  const { year, month } = monthParts(iso);
  const day = Number(iso.slice(8, 10));
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}

/**
 * The month's weeks, Monday first: each week has 7 cells, a day `YYYY-MM-DD` of the month or null (the days of the
 * months around are left blank).
 */
export function monthGrid(month: Month): Array<Array<string | null>> {
  const first = firstDayOf(month);
  const last = lastDayOf(month);
  const weeks: Array<Array<string | null>> = [];
  let week: Array<string | null> = Array.from({ length: weekdayIndex(first) }, () => null);
  for (let day = first; day <= last; day = addDays(day, 1)) {
    week.push(day);
    if (week.length === 7) {
      weeks.push(week);
      week = [];
    }
  }
  if (week.length > 0) weeks.push([...week, ...Array.from({ length: 7 - week.length }, () => null)]);
  return weeks;
}

/** Whether a month has a day that may be chosen (the previous / next month buttons). */
export function monthHasSelectable(month: Month, bounds: Bounds): boolean {
  return firstDayOf(month) <= bounds.last && lastDayOf(month) >= bounds.first;
}

/** The month shown when the calendar opens: the chosen day's if it may be chosen, else this month. */
export function initialMonth(chosen: string | null, bounds: Bounds): Month {
  return chosen && isSelectable(chosen, bounds) ? monthOf(chosen) : monthOf(bounds.first);
}

/** The day that has the focus when a month shows: the chosen one, else today or the month's first choosable day. */
export function focusDayIn(month: Month, chosen: string | null, bounds: Bounds): string {
  if (chosen && monthOf(chosen) === month && isSelectable(chosen, bounds)) return chosen;
  const first = firstDayOf(month);
  return clampDay(first < bounds.first ? bounds.first : first, bounds);
}

export function clampDay(iso: string, bounds: Bounds): string {
  if (iso < bounds.first) return bounds.first;
  if (iso > bounds.last) return bounds.last;
  return iso;
}

/** Keys the grid answers (WAI-ARIA date picker): arrows by day and week, Home/End the week, PageUp/PageDown a month. */
export type CalendarKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';

export function isCalendarKey(key: string): key is CalendarKey {
  return ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'].includes(key);
}

/** The day the focus moves to, kept among the days that may be chosen. */
export function dayAfterKey(day: string, key: CalendarKey, bounds: Bounds): string {
  let next: string;
  switch (key) {
    case 'ArrowLeft':
      next = addDays(day, -1);
      break;
    case 'ArrowRight':
      next = addDays(day, 1);
      break;
    case 'ArrowUp':
      next = addDays(day, -7);
      break;
    case 'ArrowDown':
      next = addDays(day, 7);
      break;
    case 'Home':
      next = addDays(day, -weekdayIndex(day));
      break;
    case 'End':
      next = addDays(day, 6 - weekdayIndex(day));
      break;
    case 'PageUp':
    case 'PageDown': {
      const month = addMonths(monthOf(day), key === 'PageUp' ? -1 : 1);
      const last = lastDayOf(month);
      const wanted = `${month}-${day.slice(8, 10)}`;
      next = isIsoDate(wanted) ? wanted : last; // 31 March -> 30 April
      break;
    }
  }
  return clampDay(next, bounds);
}

// --- Names, from Intl in the app's language ---

const LOCALES: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };
const A_MONDAY = Date.UTC(2024, 0, 1);

/** The weekdays, Monday first: `{short: 'lun.', long: 'lundi'}`. */
export function weekdayNames(lang: Lang): Array<{ short: string; long: string }> {
  const short = new Intl.DateTimeFormat(LOCALES[lang], { weekday: 'short', timeZone: 'UTC' });
  const long = new Intl.DateTimeFormat(LOCALES[lang], { weekday: 'long', timeZone: 'UTC' });
  return Array.from({ length: 7 }, (_, i) => {
    const date = new Date(A_MONDAY + i * 86_400_000);
    return { short: short.format(date), long: long.format(date) };
  });
}

function utcDate(iso: string): Date {
  return new Date(`${iso}T00:00:00Z`);
}

/** `novembre 2026`, `November 2026`. */
export function monthTitle(month: Month, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    utcDate(firstDayOf(month)),
  );
}

/** `mardi 24 novembre 2026`, `Tuesday 24 November 2026`: a day as the screen reader says it. */
export function longDay(iso: string, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALES[lang], {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(utcDate(iso));
}

// --- The days with a train ---

/** `GET /api/v1/trips/dates`'s query for a month: from today (or the 1st) to the month's end (or the last day). */
export interface DatesQuery {
  from: string;
  to: string;
  start: string;
  days: number;
}

export function datesQuery(from: string, to: string, month: Month, bounds: Bounds): DatesQuery | null {
  if (from.trim() === '' || to.trim() === '' || !monthHasSelectable(month, bounds)) return null;
  const start = firstDayOf(month) < bounds.first ? bounds.first : firstDayOf(month);
  const end = lastDayOf(month) > bounds.last ? bounds.last : lastDayOf(month);
  const days = Math.round((utcDate(end).getTime() - utcDate(start).getTime()) / 86_400_000) + 1;
  return { from: from.trim(), to: to.trim(), start, days };
}

/** The answer's dates (`{"dates": ["2026-11-24", …]}`), read defensively; null when it is not that shape. */
export function parseTrainDates(body: unknown): string[] | null {
  if (typeof body !== 'object' || body === null) return null;
  const dates = (body as { dates?: unknown }).dates;
  if (!Array.isArray(dates)) return null;
  return dates.filter((d): d is string => typeof d === 'string' && isIsoDate(d));
}

/** What the calendar knows of a month's trains: asked, known (the days), or unknown (it failed: no marks). */
export type TrainDays = { status: 'loading' } | { status: 'known'; days: ReadonlySet<string> } | { status: 'unknown' };

/**
 * The days with a train, asked once per journey and month and kept for the visit. A failed answer leaves the
 * calendar without marks; a refusal or a server that does not offer the dates (4xx) is kept too (asking again would
 * be refused again), while a network failure, a timeout or a server error is forgotten, so that the month is asked
 * again the next time it shows.
 */
export class TrainDatesCache {
  private readonly entries = new Map<string, Promise<TrainDays>>();

  constructor(private readonly load: (query: DatesQuery) => Promise<ApiResult<unknown>>) {}

  static key(query: DatesQuery): string {
    return [query.from.toUpperCase(), query.to.toUpperCase(), query.start, query.days].join('|');
  }

  get(query: DatesQuery): Promise<TrainDays> {
    const key = TrainDatesCache.key(query);
    const known = this.entries.get(key);
    if (known) return known;
    const asked = this.load(query).then(
      (result): TrainDays => {
        if (result.ok) {
          const dates = parseTrainDates(result.data);
          if (dates) return { status: 'known', days: new Set(dates) };
          return { status: 'unknown' };
        }
        const refused = result.error.kind === 'problem' && result.error.status >= 400 && result.error.status < 500;
        if (!refused) this.entries.delete(key);
        return { status: 'unknown' };
      },
      (): TrainDays => {
        this.entries.delete(key);
        return { status: 'unknown' };
      },
    );
    this.entries.set(key, asked);
    return asked;
  }
}

const DATE_PARTS = /^(\d{1,2})[\s/.\-]+(\d{1,2})(?:[\s/.\-]+(\d{2}|\d{4}))?$/;

/**
 * A date as a traveller types it, as `YYYY-MM-DD`, or null: `24/11/2026`, `24.11.2026`, `24-11-26`,
 * `24112026`, `2026-11-24`, or `24/11` (the next 24 November from today). The date must exist.
 */
export function parseDateInput(text: string, today: string): string | null {
  const value = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return isIsoDate(value) ? value : null;
  const parts = /^(\d{2})(\d{2})(\d{4})$/.exec(value) ?? DATE_PARTS.exec(value);
  if (!parts) return null;
  const day = Number(parts[1]);
  const month = Number(parts[2]);
  const iso = (year: number) =>
    `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  let year: number;
  if (parts[3] === undefined) {
    // No year: the next such day from today on (a 29 February may be years away: then it is refused).
    const thisYear = Number(today.slice(0, 4));
    year = isIsoDate(iso(thisYear)) && iso(thisYear) >= today ? thisYear : thisYear + 1;
  } else {
    year = Number(parts[3]) + (parts[3].length === 2 ? 2000 : 0);
  }
  const result = iso(year);
  return isIsoDate(result) ? result : null;
}
