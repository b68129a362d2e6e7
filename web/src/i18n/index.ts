// The app's i18next instance and the React hooks over it. Text is only ever shown through `t(key)`.
import i18next from 'i18next';
import { useSyncExternalStore } from 'react';
import { readCookie } from '../lib/cookies';
import { DEFAULT_LANG, LANGS, LANG_COOKIE, LANG_STORAGE_KEY, initialLang, langCookie, type Lang } from './lang';
import { messages, type TKey } from './messages';

export type { Lang } from './lang';
export type { TKey } from './messages';
export { LANGS } from './lang';

export type TVars = Record<string, string | number>;
export type Translate = (key: TKey, vars?: TVars) => string;

const instance = i18next.createInstance();
let current: Lang = DEFAULT_LANG;
const listeners = new Set<() => void>();

function readStoredLang(): string | null {
  try {
    return window.localStorage.getItem(LANG_STORAGE_KEY);
  } catch {
    return null; // storage disabled (private mode, policy)
  }
}

function applyToDocument(lang: Lang): void {
  document.documentElement.lang = lang;
}

/** Starts i18next synchronously with the bundled messages, in the remembered language. */
export function initI18n(): Lang {
  current = initialLang(readStoredLang(), document.cookie);
  void instance.init({
    resources: {
      fr: { translation: messages.fr },
      en: { translation: messages.en },
    },
    lng: current,
    supportedLngs: LANGS,
    // In development a missing key must fail loudly, not quietly borrow the French text.
    fallbackLng: __DEV__ ? false : DEFAULT_LANG,
    returnNull: false,
    returnEmptyString: false,
    initImmediate: false,
    interpolation: { escapeValue: false }, // React escapes what it renders
  });
  applyToDocument(current);
  // Keep the server-rendered pages (sign-in) in step when only localStorage remembered the choice.
  if (readCookie(document.cookie, LANG_COOKIE) !== current) writeCookie(current);
  return current;
}

function writeCookie(lang: Lang): void {
  document.cookie = langCookie(lang, window.location.protocol === 'https:');
}

export const t: Translate = (key, vars) => {
  if (!instance.exists(key, { lng: current })) {
    const message = `Missing translation "${key}" for language "${current}"`;
    if (__DEV__) throw new Error(message);
    console.error(message);
  }
  return instance.t(key, { ...vars, lng: current });
};

export function getLang(): Lang {
  return current;
}

/** Switches the language and remembers it for the app (localStorage) and the server (cookie). */
export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  void instance.changeLanguage(lang);
  try {
    window.localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // storage disabled: the cookie still remembers the choice
  }
  writeCookie(lang);
  applyToDocument(lang);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current language; the caller re-renders when it changes. */
export function useLang(): Lang {
  return useSyncExternalStore(subscribe, getLang);
}

/** `t`, re-rendering the caller when the language changes. */
export function useT(): Translate {
  useLang();
  return t;
}
