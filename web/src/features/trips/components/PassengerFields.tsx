import { useT, type TKey } from '../../../i18n';
import { TextField } from '../../../ui/TextField';
import {
  passengerField,
  type BookingField,
  type BookingFieldCode,
  type BookingFieldErrors,
  type PassengerDraft,
  type PassengerField,
  type SeatedType,
} from '../passengers';
import type { SeatRef } from '../seats';

type Messages = Partial<Record<BookingFieldCode, TKey>> & { invalid: TKey };

export const PASSENGER_MESSAGES: Record<'name' | 'idNumber' | 'infantName' | 'type', Messages> = {
  name: {
    required: 'trips.book.errors.name.required',
    'too-long': 'trips.book.errors.name.tooLong',
    invalid: 'trips.book.errors.name.invalid',
  },
  idNumber: {
    required: 'trips.book.errors.idNumber.required',
    invalid: 'trips.book.errors.idNumber.invalid',
  },
  infantName: {
    required: 'trips.book.errors.infantName.required',
    'too-long': 'trips.book.errors.name.tooLong',
    invalid: 'trips.book.errors.name.invalid',
  },
  type: { invalid: 'trips.book.errors.type.invalid' },
};

const TYPES: ReadonlyArray<{ type: SeatedType; label: TKey; hint: TKey }> = [
  { type: 'adult', label: 'trips.book.adult', hint: 'trips.book.adultHint' },
  { type: 'child', label: 'trips.book.child', hint: 'trips.book.childHint' },
];

interface Props {
  index: number;
  seat: SeatRef | undefined;
  passenger: PassengerDraft;
  errors: BookingFieldErrors;
  onChange: (index: number, changes: Partial<PassengerDraft>) => void;
  /** Registers each field's element, to focus the first one in error. */
  register: (field: BookingField, element: HTMLElement | null) => void;
}

/** One traveller: adult or child, name and ID number as on the ID document, and a baby on an adult's lap. */
export function PassengerFields({ index, seat, passenger, errors, onChange, register }: Props) {
  const t = useT();
  const id = (field: string) => `passenger-${index}-${field}`;
  const errorFor = (field: PassengerField): string | undefined => {
    const code = errors[passengerField(index, field)];
    if (!code) return undefined;
    const messages = PASSENGER_MESSAGES[field];
    return t(messages[code] ?? messages.invalid);
  };
  const typeError = errorFor('type');
  const number = index + 1;
  const title = seat
    ? t('trips.book.passengerTitle', { number, coach: seat.coach, seat: seat.seat })
    : t('trips.book.passengerTitleNoSeat', { number });

  return (
    <fieldset className="passenger">
      <legend className="passenger__legend">{title}</legend>
      <fieldset
        className={typeError ? 'choice-group choice-group--invalid' : 'choice-group'}
        aria-describedby={typeError ? id('type-error') : undefined}
      >
        <legend>{t('trips.book.type')}</legend>
        <div className="choice-group__options">
          {TYPES.map((option, position) => (
            <label key={option.type} className="choice">
              <input
                ref={position === 0 ? (el) => register(passengerField(index, 'type'), el) : undefined}
                type="radio"
                name={id('type')}
                value={option.type}
                checked={passenger.type === option.type}
                onChange={() => onChange(index, { type: option.type })}
              />
              <span>
                {t(option.label)} <span className="choice__hint">{t(option.hint)}</span>
              </span>
            </label>
          ))}
        </div>
        {typeError ? (
          <p id={id('type-error')} className="field__error">
            {typeError}
          </p>
        ) : null}
      </fieldset>
      <TextField
        ref={(el) => register(passengerField(index, 'name'), el)}
        id={id('name')}
        name={id('name')}
        label={t('trips.book.name')}
        hint={t('trips.book.nameHint')}
        error={errorFor('name')}
        autoComplete={index === 0 ? 'name' : 'off'}
        autoCapitalize="words"
        spellCheck={false}
        maxLength={120}
        value={passenger.name}
        onChange={(event) => onChange(index, { name: event.target.value })}
      />
      <TextField
        ref={(el) => register(passengerField(index, 'idNumber'), el)}
        id={id('id-number')}
        name={id('idNumber')}
        label={t('trips.book.idNumber')}
        hint={t('trips.book.idNumberHint')}
        error={errorFor('idNumber')}
        autoComplete="off"
        autoCapitalize="characters"
        autoCorrect="off"
        spellCheck={false}
        maxLength={40}
        value={passenger.idNumber}
        onChange={(event) => onChange(index, { idNumber: event.target.value })}
      />
      {passenger.type === 'adult' ? (
        <div className="field">
          <label className="choice choice--check" htmlFor={id('infant')}>
            <input
              id={id('infant')}
              type="checkbox"
              checked={passenger.infant}
              aria-describedby={id('infant-hint')}
              onChange={(event) => onChange(index, { infant: event.target.checked })}
            />
            <span>{t('trips.book.infant')}</span>
          </label>
          <p id={id('infant-hint')} className="field__hint">
            {t('trips.book.infantHint')}
          </p>
        </div>
      ) : null}
      {passenger.type === 'adult' && passenger.infant ? (
        <TextField
          ref={(el) => register(passengerField(index, 'infantName'), el)}
          id={id('infant-name')}
          name={id('infantName')}
          label={t('trips.book.infantName')}
          hint={t('trips.book.infantNameHint')}
          error={errorFor('infantName')}
          autoComplete="off"
          autoCapitalize="words"
          spellCheck={false}
          maxLength={120}
          value={passenger.infantName}
          onChange={(event) => onChange(index, { infantName: event.target.value })}
        />
      ) : null}
    </fieldset>
  );
}
