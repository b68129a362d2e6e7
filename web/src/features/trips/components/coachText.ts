// The words for a coach, shared by the train's composition and the seat plans.
import { isSingular } from '../../../i18n/lang';
import type { Lang, Translate } from '../../../i18n';
import type { Coach } from '../api/types';
import { freeSeats } from '../seats';
import { className } from './labels';

/** `Deuxième classe`, `Fourgon à bagages`, `Voiture-bar`. */
export function coachKindName(coach: Coach, t: Translate): string {
  if (coach.kind === 'baggage') return t('trips.seats.baggage');
  if (coach.kind === 'bar') return t('trips.seats.bar');
  return coach.class ? className(coach.class, t) : coach.name;
}

export function coachTitle(coach: Coach, t: Translate): string {
  return t('trips.seats.coachTitle', { number: coach.number, class: coachKindName(coach, t) });
}

export function airConditioning(coach: Coach, t: Translate): string {
  return coach.airConditioned ? t('trips.seats.airConditioned') : t('trips.seats.notAirConditioned');
}

export function seatsFreeText(count: number, t: Translate, lang: Lang): string {
  return t(isSingular(count, lang) ? 'trips.common.seatsFreeOne' : 'trips.common.seatsFreeMany', { count });
}

export function coachFreeText(coach: Coach, t: Translate, lang: Lang): string {
  return seatsFreeText(freeSeats(coach), t, lang);
}
