// The live screens' recurring words: a delay, a train's place on the line, the time of the last update.
import type { Lang, TKey, Translate } from '../../../i18n';
import { formatDuration } from '../../../lib/format';
import { delayOf } from '../../../lib/trains';
import type { Place } from '../trains';

/** `À l’heure`, `12 min de retard`, `3 min d’avance` (long) or `À l’heure`, `+12 min`, `−3 min` (short). */
export function delayText(t: Translate, lang: Lang, minutes: number | null, form: 'long' | 'short' = 'long'): string {
  const delay = delayOf(minutes);
  switch (delay.kind) {
    case 'unknown':
      return form === 'long' ? t('live.common.delayUnknown') : '';
    case 'on-time':
      return t('live.common.onTime');
    case 'late':
      return t(form === 'long' ? 'live.common.late' : 'live.common.lateShort', {
        duration: formatDuration(delay.minutes, lang),
      });
    case 'early':
      return t(form === 'long' ? 'live.common.early' : 'live.common.earlyShort', {
        duration: formatDuration(delay.minutes, lang),
      });
  }
}

/** A CSS modifier for the delay's colour. */
export function delayTone(minutes: number | null): 'late' | 'on-time' | 'unknown' {
  const kind = delayOf(minutes).kind;
  return kind === 'late' ? 'late' : kind === 'unknown' ? 'unknown' : 'on-time';
}

export function placeText(t: Translate, place: Place, name: (code: string) => string): string {
  switch (place.kind) {
    case 'at':
      return t('live.common.at', { station: name(place.station) });
    case 'between':
      return t('live.common.between', { from: name(place.from), to: name(place.to) });
    case 'unknown':
      return t('live.common.offLine');
  }
}

export const STOP_STATES: Record<string, TKey> = {
  departed: 'live.train.states.departed',
  at: 'live.train.states.at',
  upcoming: 'live.train.states.upcoming',
  arrived: 'live.train.states.arrived',
};
