// Which message names each class, passenger type and refusal reason, and counted texts.
import { isSingular } from '../../../i18n/lang';
import type { Lang, TKey, TVars, Translate } from '../../../i18n';
import type { RefusalCode } from '../ticketCheck';

export const CLASS_NAMES: Record<string, TKey> = {
  vip: 'agent.common.classes.vip',
  first: 'agent.common.classes.first',
  second: 'agent.common.classes.second',
};

export const TYPE_NAMES: Record<string, TKey> = {
  adult: 'agent.common.types.adult',
  child: 'agent.common.types.child',
  infant: 'agent.common.types.infant',
};

export const REFUSAL_TEXTS: Record<RefusalCode, TKey> = {
  'unknown-key': 'agent.check.reasons.unknownKey',
  'bad-signature': 'agent.check.reasons.badSignature',
  'unknown-ticket': 'agent.check.reasons.unknownTicket',
  superseded: 'agent.check.reasons.superseded',
  cancelled: 'agent.check.reasons.cancelled',
  exchanged: 'agent.check.reasons.exchanged',
  'trip-cancelled': 'agent.check.reasons.tripCancelled',
  'wrong-train': 'agent.check.reasons.wrongTrain',
  'not-yet-valid': 'agent.check.reasons.notYetValid',
  expired: 'agent.check.reasons.expired',
  'not-a-ticket': 'agent.check.reasons.notATicket',
  other: 'agent.check.reasons.other',
};

/** A value the app does not know yet is shown as it came rather than breaking the page. */
export function named(table: Record<string, TKey>, value: string | null | undefined, t: Translate): string {
  if (!value) return '';
  const key = table[value];
  return key ? t(key) : value;
}

/** The singular or plural message, as the language counts. */
export function countText(t: Translate, lang: Lang, count: number, one: TKey, many: TKey, vars: TVars = {}): string {
  return t(isSingular(count, lang) ? one : many, { ...vars, count });
}
