// Which message names each booking status, class, passenger type and payment method.
import type { TKey } from '../../../i18n';
import type { BookingStatus, PassengerType, PaymentMethod, TravelClass } from '../api/types';

export const STATUS_NAMES: Record<BookingStatus, TKey> = {
  held: 'bookings.status.held',
  awaiting_payment: 'bookings.status.awaitingPayment',
  confirmed: 'bookings.status.confirmed',
  cancelled: 'bookings.status.cancelled',
  refund_pending: 'bookings.status.refundPending',
  refund_due: 'bookings.status.refundDue',
  expired: 'bookings.status.expired',
  exchanged: 'bookings.status.exchanged',
  refunded: 'bookings.status.refunded',
};

export const CLASS_NAMES: Record<TravelClass, TKey> = {
  vip: 'bookings.common.classes.vip',
  first: 'bookings.common.classes.first',
  second: 'bookings.common.classes.second',
};

export const PASSENGER_TYPES: Record<PassengerType, TKey> = {
  adult: 'bookings.common.types.adult',
  child: 'bookings.common.types.child',
  infant: 'bookings.common.types.infant',
};

export const METHOD_NAMES: Record<PaymentMethod, TKey> = {
  airtel_money: 'bookings.pay.methods.airtelMoney',
  moov_money: 'bookings.pay.methods.moovMoney',
  card: 'bookings.pay.methods.card',
};

/** A value the app does not know yet is shown as it came rather than breaking the page. */
export function named<T extends string>(table: Record<T, TKey>, value: string, t: (key: TKey) => string): string {
  const key = (table as Record<string, TKey | undefined>)[value];
  return key ? t(key) : value;
}
