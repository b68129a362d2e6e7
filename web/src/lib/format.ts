// Pure formatting and validation helpers. No DOM, no i18n: they take the language as an argument.
import type { Lang } from '../i18n/lang';

/** The railway's local time zone: UTC+1 all year (no daylight saving time). */
export const TIME_ZONE = 'Africa/Libreville';

const xaf = new Intl.NumberFormat('fr-GA', { style: 'currency', currency: 'XAF' });

/** An amount in XAF (an integer, no minor unit): `12500` -> `12 500 FCFA`; a negative one with a minus sign and a
 * space, as the till writes what went out: `-7200` -> `− 7 200 FCFA`. */
export function formatMoneyXAF(amount: number): string {
  const rounded = Math.round(amount);
  return rounded < 0 ? `− ${xaf.format(-rounded)}` : xaf.format(rounded);
}

// 'en-GB' only provides the parts (Latin digits, 24-hour clock); the layout is ours.
const dateTimeParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

interface LocalParts {
  day: string;
  month: string;
  year: string;
  hour: string;
  minute: string;
}

function localParts(instant: Date | string | number): LocalParts | null {
  const date = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(date.getTime())) return null;
  const parts: Record<string, string> = {};
  for (const part of dateTimeParts.formatToParts(date)) parts[part.type] = part.value;
  return { day: parts.day, month: parts.month, year: parts.year, hour: parts.hour, minute: parts.minute };
}

/** `dd/mm/yyyy` in Libreville time; '' for an invalid instant. */
export function formatDate(instant: Date | string | number): string {
  const p = localParts(instant);
  return p ? `${p.day}/${p.month}/${p.year}` : '';
}

/** Libreville time of day: French `12h30`, English `12:30`; '' for an invalid instant. */
export function formatTime(instant: Date | string | number, lang: Lang): string {
  const p = localParts(instant);
  if (!p) return '';
  return lang === 'fr' ? `${p.hour}h${p.minute}` : `${p.hour}:${p.minute}`;
}

/** `22/11/2026 12h30` (fr) or `22/11/2026 12:30` (en), in Libreville time. */
export function formatDateTime(instant: Date | string | number, lang: Lang): string {
  const date = formatDate(instant);
  return date ? `${date} ${formatTime(instant, lang)}` : '';
}

const shortDays: Record<Lang, Intl.DateTimeFormat> = {
  fr: new Intl.DateTimeFormat('fr-FR', { weekday: 'short', day: 'numeric', month: 'short', timeZone: TIME_ZONE }),
  en: new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: TIME_ZONE }),
};

/** An instant with its short weekday, in Libreville time: `lun. 23 nov. 18h00`, `Mon 23 Nov 18:00`. */
export function formatShortDayTime(instant: Date | string | number, lang: Lang): string {
  const date = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(date.getTime())) return '';
  return `${shortDays[lang].format(date)} ${formatTime(date, lang)}`;
}

/** The Libreville calendar date of an instant, as `YYYY-MM-DD`; '' for an invalid instant. */
export function localIsoDate(instant: Date | string | number): string {
  const p = localParts(instant);
  return p ? `${p.year}-${p.month}-${p.day}` : '';
}

/** Today in Libreville, as `YYYY-MM-DD` (what the railway calls today, wherever the phone thinks it is). */
export function todayInLibreville(now: Date = new Date()): string {
  return localIsoDate(now);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC midnight of a calendar date `YYYY-MM-DD` that exists (no 31/02), or null. */
function calendarDay(iso: string): Date | null {
  const match = ISO_DATE.exec(iso);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? date
    : null;
}

/** Whether the text is a calendar date `YYYY-MM-DD` that exists. */
export function isIsoDate(text: string): boolean {
  return calendarDay(text) !== null;
}

/** `YYYY-MM-DD` plus `days` (negative to go back); '' for an invalid date. */
export function addDays(iso: string, days: number): string {
  const date = calendarDay(iso);
  if (!date) return '';
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** A calendar date `YYYY-MM-DD` as `dd/mm/yyyy`; the text unchanged when it is not such a date. */
export function formatIsoDate(iso: string): string {
  return calendarDay(iso) ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : iso;
}

const weekdays: Record<Lang, Intl.DateTimeFormat> = {
  fr: new Intl.DateTimeFormat('fr-FR', { weekday: 'long', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'UTC' }),
};

/** A calendar date with its weekday: `mardi 24/11/2026`, `Tuesday 24/11/2026`. */
export function formatDayDate(iso: string, lang: Lang): string {
  const date = calendarDay(iso);
  return date ? `${weekdays[lang].format(date)} ${formatIsoDate(iso)}` : iso;
}

/** How many Libreville calendar days separate two instants: 1 for an arrival the next day. */
export function daysBetween(from: Date | string | number, to: Date | string | number): number {
  const a = calendarDay(localIsoDate(from));
  const b = calendarDay(localIsoDate(to));
  return a && b ? Math.round((b.getTime() - a.getTime()) / 86_400_000) : 0;
}

/** A journey's length: French `13 h 05` (`45 min` under an hour), English `13 h 05 min`. */
export function formatDuration(minutes: number, lang: Lang): string {
  const total = Math.max(0, Math.round(minutes));
  const hours = Math.floor(total / 60);
  const rest = String(total % 60).padStart(2, '0');
  if (hours === 0) return `${total} min`;
  return lang === 'fr' ? `${hours} h ${rest}` : `${hours} h ${rest} min`;
}

/** A kilometre point to the hundred metres: French `52,3`, English `52.3`. */
export function formatKm(km: number, lang: Lang): string {
  const tenths = Math.round(km * 10);
  const whole = Math.trunc(Math.abs(tenths) / 10);
  return `${tenths < 0 ? '-' : ''}${whole}${lang === 'fr' ? ',' : '.'}${Math.abs(tenths) % 10}`;
}

// Gabonese mobile numbers: national form 0 + operator prefix (62, 65, 66, 74, 77) + 6 digits.
const NATIONAL_MOBILE = /^0((?:6[256]|7[47])\d{6})$/;
const INTERNATIONAL_MOBILE = /^\+241((?:6[256]|7[47])\d{6})$/;

/**
 * A Gabonese mobile number in E.164 (`+241XXXXXXXX`), or null when the input is not one.
 * Accepts `077123456`, `077 12 34 56`, `+24177123456`, `+241 77 12 34 56` (spaces are ignored).
 */
export function normalizeGabonPhone(input: string): string | null {
  const compact = input.replace(/\s+/g, '');
  const match = NATIONAL_MOBILE.exec(compact) ?? INTERNATIONAL_MOBILE.exec(compact);
  return match ? `+241${match[1]}` : null;
}

/** `+24177123456` -> `+241 77 12 34 56`; anything else is returned unchanged. */
export function formatPhone(e164: string): string {
  const match = /^\+241(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(e164);
  return match ? `+241 ${match.slice(1).join(' ')}` : e164;
}

// Deliberately simple (the server has the last word): one @, no spaces, a dot in the domain.
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

export function isValidEmail(input: string): boolean {
  const value = input.trim();
  return value.length <= 254 && EMAIL.test(value);
}

/** `+24177123456` -> `077 12 34 56`, the way Gabonese numbers are written at home; anything else unchanged. */
export function formatPhoneNational(e164: string): string {
  const match = /^\+241(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(e164);
  return match ? `0${match[1]} ${match[2]} ${match[3]} ${match[4]}` : e164;
}

export type MobileOperator = 'airtel' | 'moov';

/** The operator of a Gabonese mobile number (any form `normalizeGabonPhone` accepts): Airtel 074/077, Moov 062/065/066. */
export function mobileOperator(input: string): MobileOperator | null {
  const e164 = normalizeGabonPhone(input);
  if (!e164) return null;
  return e164.startsWith('+2417') ? 'airtel' : 'moov';
}
