// Which message names each class and service the server sends.
import { isSingular } from '../../../i18n/lang';
import type { Lang, TKey, TVars, Translate } from '../../../i18n';
import type { Service, TravelClass } from '../api/types';

export const CLASS_NAMES: Record<TravelClass, TKey> = {
  vip: 'trips.common.classes.vip',
  first: 'trips.common.classes.first',
  second: 'trips.common.classes.second',
};

/** The class inside a sentence: "Choisissez 2 places en deuxième classe". */
export const CLASS_IN_TEXT: Record<TravelClass, TKey> = {
  vip: 'trips.common.classesInText.vip',
  first: 'trips.common.classesInText.first',
  second: 'trips.common.classesInText.second',
};

export const CLASS_SHORT: Record<TravelClass, TKey> = {
  vip: 'trips.common.classesShort.vip',
  first: 'trips.common.classesShort.first',
  second: 'trips.common.classesShort.second',
};

export const SERVICE_NAMES: Record<Service, TKey> = {
  express: 'trips.common.services.express',
  omnibus: 'trips.common.services.omnibus',
};

export const SERVICE_HINTS: Record<Service, TKey> = {
  express: 'trips.common.serviceHints.express',
  omnibus: 'trips.common.serviceHints.omnibus',
};

/** `{{count}} place libre` or `{{count}} places libres`, as the language counts. */
export function countText(t: Translate, lang: Lang, count: number, one: TKey, many: TKey, vars: TVars = {}): string {
  return t(isSingular(count, lang) ? one : many, { ...vars, count });
}

/** A service the app does not know yet is shown by its code rather than breaking the page. */
export function serviceName(service: string, t: (key: TKey) => string): string {
  const key = (SERVICE_NAMES as Record<string, TKey | undefined>)[service];
  return key ? t(key) : service;
}

export function className(travelClass: string, t: (key: TKey) => string): string {
  const key = (CLASS_NAMES as Record<string, TKey | undefined>)[travelClass];
  return key ? t(key) : travelClass;
}
