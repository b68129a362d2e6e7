// Which language the app speaks, and how the choice is remembered. Pure: the browser parts live in index.ts.
import { readCookie } from '../lib/cookies';

export type Lang = 'fr' | 'en';

/** French is the default and source language. */
export const DEFAULT_LANG: Lang = 'fr';
export const LANGS: readonly Lang[] = ['fr', 'en'];

export const LANG_STORAGE_KEY = 'setrag.lang';
export const LANG_COOKIE = 'setrag_lang';

export function isLang(value: unknown): value is Lang {
  return value === 'fr' || value === 'en';
}

/**
 * The cookie wins (the server-rendered sign-in page shares it and may have changed it), then the
 * stored choice, then French.
 */
export function initialLang(stored: string | null, cookies: string): Lang {
  const fromCookie = readCookie(cookies, LANG_COOKIE);
  if (isLang(fromCookie)) return fromCookie;
  return isLang(stored) ? stored : DEFAULT_LANG;
}

/** The `document.cookie` assignment that remembers the language for a year, on every path. */
export function langCookie(lang: Lang, secure: boolean): string {
  return `${LANG_COOKIE}=${lang}; Path=/; SameSite=Lax; Max-Age=31536000${secure ? '; Secure' : ''}`;
}

/**
 * Whether a count takes the singular: French says "0 place, 1 place, 2 places", English "0 seats, 1 seat".
 * (Keys carry no plural suffixes: the caller picks between its `…One` and `…Many` keys with this.)
 */
export function isSingular(count: number, lang: Lang): boolean {
  return lang === 'fr' ? Math.abs(count) < 2 : count === 1;
}
