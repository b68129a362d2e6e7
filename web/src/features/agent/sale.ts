// A counter sale: the travellers an agent types for a walk-in customer, booking's rules checked before sending, the
// request they become, and booking's field errors placed next to their fields. Pure: no DOM, no i18n.
import { problemCode } from '../../lib/api';
import type { RequestError } from '../../lib/useRequest';
import { normalizeGabonPhone } from '../../lib/format';
import type { NewBooking, SeatRef, TravelClass } from './api/types';

export type SaleType = 'adult' | 'child';

export interface SaleTraveller {
  type: SaleType;
  name: string;
  idNumber: string;
}

export interface SaleForm {
  travellers: SaleTraveller[];
  phone: string;
}

/** The party asked in the search: adults first, then children. */
export function emptySaleForm(adults: number, children: number): SaleForm {
  const travellers: SaleTraveller[] = [];
  for (let i = 0; i < adults; i += 1) travellers.push({ type: 'adult', name: '', idNumber: '' });
  for (let i = 0; i < children; i += 1) travellers.push({ type: 'child', name: '', idNumber: '' });
  return { travellers, phone: '' };
}

export type SaleField = `travellers.${number}.name` | `travellers.${number}.idNumber` | 'phone';
export type SaleFieldCode = 'required' | 'too-long' | 'invalid';
export type SaleErrors = Partial<Record<SaleField, SaleFieldCode>>;

const ID_NUMBER = /^[A-Z0-9-]{4,30}$/;

export function normalisedIdNumber(text: string): string {
  return text.trim().toUpperCase();
}

/** Booking's rules: a name of 1 to 80 characters, an ID number of 4 to 30 of A-Z 0-9 -, a Gabonese mobile. */
export function checkSale(form: SaleForm): SaleErrors {
  const errors: SaleErrors = {};
  form.travellers.forEach((traveller, index) => {
    const name = traveller.name.trim();
    if (name === '') errors[`travellers.${index}.name`] = 'required';
    else if (Array.from(name).length > 80) errors[`travellers.${index}.name`] = 'too-long';
    const id = normalisedIdNumber(traveller.idNumber);
    if (id === '') errors[`travellers.${index}.idNumber`] = 'required';
    else if (!ID_NUMBER.test(id)) errors[`travellers.${index}.idNumber`] = 'invalid';
  });
  if (form.phone.trim() === '') errors.phone = 'required';
  else if (!normalizeGabonPhone(form.phone)) errors.phone = 'invalid';
  return errors;
}

/** The fields in the order of the form, to focus the first one in error. */
export function saleFieldOrder(form: SaleForm): SaleField[] {
  const fields: SaleField[] = [];
  form.travellers.forEach((_, index) => fields.push(`travellers.${index}.name`, `travellers.${index}.idNumber`));
  fields.push('phone');
  return fields;
}

/** `POST /api/v1/bookings`' body: seats given for every traveller, or for none (booking then seats the party). */
export function saleRequest(
  trip: { tripId: number; from: string; to: string; travelClass: TravelClass },
  form: SaleForm,
  seats: readonly SeatRef[],
): NewBooking {
  const withSeats = seats.length === form.travellers.length;
  return {
    tripId: trip.tripId,
    from: trip.from,
    to: trip.to,
    class: trip.travelClass,
    passengers: form.travellers.map((traveller, index) => ({
      type: traveller.type,
      name: traveller.name.trim(),
      idNumber: normalisedIdNumber(traveller.idNumber),
      ...(withSeats ? { seat: { coach: seats[index].coach, seat: seats[index].seat } } : {}),
    })),
    contactPhone: normalizeGabonPhone(form.phone) ?? form.phone.trim(),
  };
}

/** Booking's 422 field errors as this form's fields (`passengers.1.idNumber` -> `travellers.1.idNumber`). */
export function saleErrorsFromServer(error: RequestError): SaleErrors {
  if (error.kind !== 'problem' || problemCode(error.problem) !== 'validation') return {};
  const errors: SaleErrors = {};
  for (const item of error.problem.errors ?? []) {
    const code: SaleFieldCode = item.code === 'required' || item.code === 'too-long' ? item.code : 'invalid';
    const match = /^passengers\.(\d+)\.(name|idNumber)$/.exec(item.field);
    if (match) {
      const field = `travellers.${Number(match[1])}.${match[2] as 'name' | 'idNumber'}` as SaleField;
      errors[field] ??= code;
    } else if (item.field === 'contactPhone') {
      errors.phone ??= code;
    }
  }
  return errors;
}

/** A tap on a seat: chosen seats in order, at most one per traveller (a lone traveller's seat moves). */
export function toggleSaleSeat(chosen: readonly SeatRef[], seat: SeatRef, max: number): SeatRef[] {
  const same = (a: SeatRef) => a.coach === seat.coach && a.seat === seat.seat;
  if (chosen.some(same)) return chosen.filter((a) => !same(a));
  if (chosen.length < max) return [...chosen, seat];
  return max === 1 ? [seat] : [...chosen];
}
