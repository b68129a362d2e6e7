import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useLang, useT, type Lang, type TKey, type Translate } from '../../../i18n';
import type { ApiResult } from '../../../lib/api';
import { addDays, formatDateTime, formatDayDate, formatTime, todayInLibreville } from '../../../lib/format';
import { sendWithTimeLimit, useRequest } from '../../../lib/useRequest';
import { AreaGate, type Access } from '../../../ui/AreaGate';
import { Link } from '../../../ui/Link';
import { Notice } from '../../../ui/Notice';
import { PageTitle } from '../../../ui/PageTitle';
import { RequestStatus } from '../../../ui/RequestStatus';
import { TextField } from '../../../ui/TextField';
import { assignDevice } from '../api/assignDevice';
import { createDevice } from '../api/createDevice';
import { listDevices } from '../api/listDevices';
import { planTripLocomotive } from '../api/planTripLocomotive';
import { searchTrips } from '../api/searchTrips';
import { setDeviceLocomotive } from '../api/setDeviceLocomotive';
import { DEVICE_KINDS, type Device, type DeviceKind, type RegisteredDevice } from '../api/types';
import {
  assignedAutomatically,
  deviceError,
  mergeTripChoices,
  parseLocomotive,
  pickedTrip,
  validateDeviceForm,
  type DeviceError,
  type DeviceFormErrors,
  type TripChoice,
} from '../devices';
import { stationNamer } from '../network';
import { useNetwork } from '../useNetwork';

interface Props {
  access: Access;
  onRetry: () => void;
}

/** `/agent/devices` (operators): the GPS devices, registering one (its key shown once), assigning it to a trip. */
export function DevicesPage({ access, onRetry }: Props) {
  const t = useT();
  return (
    <>
      <PageTitle>{t('live.devices.title')}</PageTitle>
      <AreaGate
        access={access}
        path="/agent/devices"
        signedOutText={t('live.devices.signedOut')}
        notAllowedText={t('live.devices.notAllowed')}
        onRetry={onRetry}
      >
        <DevicesScreen />
      </AreaGate>
    </>
  );
}

const ERRORS: Record<DeviceError, TKey> = {
  'signed-out': 'live.devices.signedOut',
  'not-allowed': 'live.devices.notAllowed',
  'session-expired': 'ui.errors.sessionExpired',
  'unknown-trip': 'live.devices.errors.unknownTrip',
  'unknown-device': 'live.devices.errors.unknownDevice',
  'trip-closed': 'live.devices.errors.tripClosed',
  invalid: 'live.devices.errors.invalid',
  unavailable: 'live.devices.errors.unavailable',
  'too-many-requests': 'ui.errors.tooManyRequests',
  network: 'ui.errors.network',
  timeout: 'ui.errors.timeout',
  unexpected: 'ui.errors.unexpected',
};

const KIND_NAMES: Record<string, TKey> = {
  locomotive: 'live.devices.kinds.locomotive',
  phone: 'live.devices.kinds.phone',
  portable: 'live.devices.kinds.portable',
};

/** Today's and tomorrow's trains in both directions (a device is often set up the evening before). */
async function loadTrips(signal: AbortSignal): Promise<ApiResult<TripChoice[]>> {
  const today = todayInLibreville();
  const dates = [today, addDays(today, 1)];
  const results = await Promise.all(
    dates.flatMap((date) => [
      searchTrips({ from: 'OWE', to: 'FCV', date }, signal),
      searchTrips({ from: 'FCV', to: 'OWE', date }, signal),
    ]),
  );
  const lists: TripChoice[][] = [];
  for (const result of results) {
    if (!result.ok) return result;
    lists.push(result.data);
  }
  return { ok: true, status: 200, data: mergeTripChoices(lists) };
}

function DevicesScreen() {
  const t = useT();
  const [round, setRound] = useState(0);
  const list = useRequest(`devices:${round}`, (signal) => listDevices(signal));
  const trips = useRequest('devices:trips', loadTrips);
  const { network } = useNetwork();
  const name = stationNamer(network);
  const [changed, setChanged] = useState<Record<number, Device>>({});
  const [registered, setRegistered] = useState<RegisteredDevice | null>(null);

  const listError = list.status === 'failed' ? deviceError(list.error) : null;
  const devices = list.status === 'done' ? list.data.map((device) => changed[device.id] ?? device) : null;
  const tripChoices = trips.status === 'done' ? trips.data : null;

  return (
    <div className="devices">
      {registered ? <RegisteredKey device={registered} onDone={() => setRegistered(null)} /> : null}

      <section aria-labelledby="devices-list-title">
        <h2 id="devices-list-title">{t('live.devices.listTitle')}</h2>
        {listError === 'not-allowed' || listError === 'signed-out' ? (
          <Notice tone="error">{t(ERRORS[listError])}</Notice>
        ) : (
          <RequestStatus state={list} loadingText={t('live.devices.loading')} onRetry={list.retry} />
        )}
        {devices && devices.length === 0 ? <p>{t('live.devices.none')}</p> : null}
        {devices && devices.length > 0 ? (
          <>
            {trips.status === 'failed' ? <p className="muted">{t('live.devices.tripsUnavailable')}</p> : null}
            <ul className="devices__list">
              {devices.map((device) => (
                <DeviceCard
                  key={device.id}
                  device={device}
                  trips={tripChoices}
                  name={name}
                  onChanged={(updated) => setChanged((all) => ({ ...all, [updated.id]: updated }))}
                />
              ))}
            </ul>
          </>
        ) : null}
      </section>

      <PlanLocomotiveForm trips={tripChoices} name={name} />

      <RegisterForm
        onRegistered={(device) => {
          setRegistered(device);
          setChanged({});
          setRound((n) => n + 1);
        }}
        onMaybeRegistered={() => {
          setChanged({});
          setRound((n) => n + 1);
        }}
      />
    </div>
  );
}

function tripText(t: Translate, lang: Lang, trip: TripChoice, name: (code: string) => string): string {
  return t('live.devices.tripOption', {
    number: trip.trainNumber,
    from: name(trip.from),
    to: name(trip.to),
    time: formatTime(trip.departure, lang),
    id: trip.id,
  });
}

function DeviceCard({
  device,
  trips,
  name,
  onChanged,
}: {
  device: Device;
  trips: TripChoice[] | null;
  name: (code: string) => string;
  onChanged: (device: Device) => void;
}) {
  const t = useT();
  const lang = useLang();
  const kind = KIND_NAMES[device.kind] ? t(KIND_NAMES[device.kind]) : device.kind;
  const assignedTrip = device.tripId !== null ? trips?.find((trip) => trip.id === device.tripId) : undefined;
  const titleId = `device-${device.id}-title`;
  return (
    <li className="device" aria-labelledby={titleId}>
      <h3 id={titleId} className="device__name">
        {device.name}
      </h3>
      <p className="muted">{t('live.devices.idKind', { id: device.id, kind })}</p>
      <p>
        {device.locomotive
          ? t('live.devices.locomotive.mounted', { locomotive: device.locomotive })
          : t('live.devices.locomotive.none')}
      </p>
      {device.tripId !== null ? (
        <p>
          {t('live.devices.assignedTo')}{' '}
          <Link to={`/trains/${device.tripId}`}>
            {assignedTrip ? tripText(t, lang, assignedTrip, name) : t('live.devices.tripNumber', { id: device.tripId })}
          </Link>
          {device.assignedAt ? ` ${t('live.devices.since', { date: formatDateTime(device.assignedAt, lang) })}` : ''}
          {' · '}
          {assignedAutomatically(device)
            ? t('live.devices.locomotive.automatic', { locomotive: device.assignedBy ?? device.locomotive ?? '' })
            : t('live.devices.locomotive.manual')}
        </p>
      ) : (
        <p>{t('live.devices.unassigned')}</p>
      )}
      <AssignForm device={device} trips={trips} name={name} onChanged={onChanged} />
      <LocomotiveForm device={device} onChanged={onChanged} />
    </li>
  );
}

function AssignForm({
  device,
  trips,
  name,
  onChanged,
}: {
  device: Device;
  trips: TripChoice[] | null;
  name: (code: string) => string;
  onChanged: (device: Device) => void;
}) {
  const t = useT();
  const lang = useLang();
  const [choice, setChoice] = useState('');
  const [typed, setTyped] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [sending, setSending] = useState<'assign' | 'unassign' | null>(null);
  const selectRef = useRef<HTMLSelectElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const base = `device-${device.id}`;
  const typing = trips === null || trips.length === 0 || choice === 'other';

  async function send(tripId: number | null) {
    setProblem(null);
    setDone(null);
    setSending(tripId === null ? 'unassign' : 'assign');
    const result = await sendWithTimeLimit((signal) => assignDevice(device.id, tripId, signal));
    setSending(null);
    if (result.ok) {
      onChanged(result.data);
      setChoice('');
      setTyped('');
      setDone(tripId === null ? t('live.devices.unassignedDone') : t('live.devices.assignedDone', { id: tripId }));
      return;
    }
    const code = deviceError(result.error);
    if (code === 'unknown-trip') {
      setFieldError(t(ERRORS[code]));
      (typing ? inputRef : selectRef).current?.focus();
    } else {
      setProblem(t(ERRORS[code]));
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const picked = pickedTrip(typing ? { kind: 'typed', text: typed } : { kind: 'listed', tripId: choice });
    if (!picked.ok) {
      setFieldError(t(picked.reason === 'required' ? 'live.devices.tripRequired' : 'live.devices.tripInvalid'));
      (typing ? inputRef : selectRef).current?.focus();
      return;
    }
    setFieldError(null);
    void send(picked.tripId);
  }

  const byDate = new Map<string, TripChoice[]>();
  for (const trip of trips ?? []) byDate.set(trip.serviceDate, [...(byDate.get(trip.serviceDate) ?? []), trip]);

  return (
    <form className="device__assign" onSubmit={submit} noValidate>
      {trips && trips.length > 0 ? (
        <div className={fieldError && !typing ? 'field field--invalid' : 'field'}>
          <label htmlFor={`${base}-train`}>{t('live.devices.train')}</label>
          <select
            ref={selectRef}
            id={`${base}-train`}
            className="field__input"
            value={choice}
            aria-invalid={fieldError && !typing ? true : undefined}
            aria-describedby={fieldError && !typing ? `${base}-error` : undefined}
            onChange={(event) => {
              setChoice(event.target.value);
              setFieldError(null);
            }}
          >
            <option value="">{t('live.devices.chooseTrain')}</option>
            {Array.from(byDate, ([date, list]) => (
              <optgroup key={date} label={formatDayDate(date, lang)}>
                {list.map((trip) => (
                  <option key={trip.id} value={String(trip.id)}>
                    {tripText(t, lang, trip, name)}
                  </option>
                ))}
              </optgroup>
            ))}
            <option value="other">{t('live.devices.otherTrip')}</option>
          </select>
        </div>
      ) : null}
      {typing ? (
        <TextField
          ref={inputRef}
          id={`${base}-trip`}
          label={t('live.devices.tripId')}
          hint={t('live.devices.tripIdHint')}
          inputMode="numeric"
          autoComplete="off"
          maxLength={12}
          value={typed}
          error={fieldError ?? undefined}
          onChange={(event) => {
            setTyped(event.target.value);
            setFieldError(null);
          }}
        />
      ) : fieldError ? (
        <p id={`${base}-error`} className="field__error">
          {fieldError}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="button" disabled={sending !== null} aria-busy={sending === 'assign' || undefined}>
          {sending === 'assign' ? t('live.devices.assigning') : t('live.devices.assign')}
        </button>
        {device.tripId !== null ? (
          <button
            type="button"
            className="button button--secondary"
            disabled={sending !== null}
            aria-busy={sending === 'unassign' || undefined}
            onClick={() => void send(null)}
          >
            {sending === 'unassign' ? t('live.devices.unassigning') : t('live.devices.unassign')}
          </button>
        ) : null}
      </div>
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      {done ? <Notice tone="success">{done}</Notice> : null}
    </form>
  );
}

/** The locomotive a device is mounted on: typed, or cleared (the field left empty). */
function LocomotiveForm({ device, onChanged }: { device: Device; onChanged: (device: Device) => void }) {
  const t = useT();
  const [typed, setTyped] = useState(device.locomotive ?? '');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setDone(null);
    const checked = parseLocomotive(typed);
    if (!checked.ok) {
      setFieldError(t('live.devices.locomotive.invalid'));
      inputRef.current?.focus();
      return;
    }
    setFieldError(null);
    setSending(true);
    const result = await sendWithTimeLimit((signal) => setDeviceLocomotive(device.id, checked.locomotive, signal));
    setSending(false);
    if (result.ok) {
      onChanged(result.data);
      setTyped(result.data.locomotive ?? '');
      setDone(
        result.data.locomotive
          ? t('live.devices.locomotive.setDone', { locomotive: result.data.locomotive })
          : t('live.devices.locomotive.clearedDone'),
      );
      return;
    }
    const code = deviceError(result.error);
    if (code === 'invalid') {
      setFieldError(t('live.devices.locomotive.invalid'));
      inputRef.current?.focus();
    } else {
      setProblem(t(ERRORS[code]));
    }
  }

  return (
    <form className="device__assign" onSubmit={(e) => void submit(e)} noValidate>
      <TextField
        ref={inputRef}
        id={`device-${device.id}-locomotive`}
        label={t('live.devices.locomotive.label')}
        hint={t('live.devices.locomotive.hint')}
        autoComplete="off"
        maxLength={16}
        value={typed}
        error={fieldError ?? undefined}
        onChange={(event) => {
          setTyped(event.target.value);
          setFieldError(null);
        }}
      />
      <div className="actions">
        <button type="submit" className="button button--secondary" disabled={sending} aria-busy={sending || undefined}>
          {sending ? t('live.devices.locomotive.saving') : t('live.devices.locomotive.save')}
        </button>
      </div>
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      {done ? <Notice tone="success">{done}</Notice> : null}
    </form>
  );
}

/** Operations: the locomotive planned for one of today's or tomorrow's trains (its trackers then follow it). */
function PlanLocomotiveForm({ trips, name }: { trips: TripChoice[] | null; name: (code: string) => string }) {
  const t = useT();
  const lang = useLang();
  const [choice, setChoice] = useState('');
  const [typedTrip, setTypedTrip] = useState('');
  const [typed, setTyped] = useState('');
  const [errors, setErrors] = useState<{ trip?: string; locomotive?: string }>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const tripRef = useRef<HTMLSelectElement>(null);
  const typedTripRef = useRef<HTMLInputElement>(null);
  const locomotiveRef = useRef<HTMLInputElement>(null);
  const typing = trips === null || trips.length === 0 || choice === 'other';

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setDone(null);
    const picked = pickedTrip(typing ? { kind: 'typed', text: typedTrip } : { kind: 'listed', tripId: choice });
    const checked = parseLocomotive(typed);
    const next: { trip?: string; locomotive?: string } = {};
    if (!picked.ok) next.trip = t(picked.reason === 'required' ? 'live.devices.tripRequired' : 'live.devices.tripInvalid');
    if (!checked.ok) next.locomotive = t('live.devices.locomotive.invalid');
    setErrors(next);
    if (!picked.ok || !checked.ok) {
      (!picked.ok ? (typing ? typedTripRef : tripRef) : locomotiveRef).current?.focus();
      return;
    }
    setSending(true);
    const result = await sendWithTimeLimit((signal) => planTripLocomotive(picked.tripId, checked.locomotive, signal));
    setSending(false);
    if (result.ok) {
      setDone(
        result.data.locomotive
          ? t('live.devices.plan.done', { id: result.data.tripId, locomotive: result.data.locomotive })
          : t('live.devices.plan.cleared', { id: result.data.tripId }),
      );
      return;
    }
    const code = deviceError(result.error);
    if (code === 'unknown-device') setErrors({ trip: t('live.devices.errors.unknownTrip') });
    else if (code === 'invalid') setErrors({ locomotive: t('live.devices.locomotive.invalid') });
    else setProblem(t(ERRORS[code]));
  }

  return (
    <section aria-labelledby="device-plan-title" className="devices__new">
      <h2 id="device-plan-title">{t('live.devices.plan.title')}</h2>
      <p>{t('live.devices.plan.intro')}</p>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        {trips && trips.length > 0 ? (
          <div className={errors.trip && !typing ? 'field field--invalid' : 'field'}>
            <label htmlFor="device-plan-train">{t('live.devices.train')}</label>
            <select
              ref={tripRef}
              id="device-plan-train"
              className="field__input"
              value={choice}
              aria-invalid={errors.trip && !typing ? true : undefined}
              aria-describedby={errors.trip && !typing ? 'device-plan-train-error' : undefined}
              onChange={(event) => {
                setChoice(event.target.value);
                setErrors((all) => ({ ...all, trip: undefined }));
              }}
            >
              <option value="">{t('live.devices.chooseTrain')}</option>
              {trips.map((trip) => (
                <option key={trip.id} value={String(trip.id)}>
                  {`${formatDayDate(trip.serviceDate, lang)} · ${tripText(t, lang, trip, name)}`}
                </option>
              ))}
              <option value="other">{t('live.devices.otherTrip')}</option>
            </select>
            {errors.trip && !typing ? (
              <p id="device-plan-train-error" className="field__error">
                {errors.trip}
              </p>
            ) : null}
          </div>
        ) : null}
        {typing ? (
          <TextField
            ref={typedTripRef}
            id="device-plan-trip"
            label={t('live.devices.tripId')}
            hint={t('live.devices.tripIdHint')}
            inputMode="numeric"
            autoComplete="off"
            maxLength={12}
            value={typedTrip}
            error={errors.trip}
            onChange={(event) => {
              setTypedTrip(event.target.value);
              setErrors((all) => ({ ...all, trip: undefined }));
            }}
          />
        ) : null}
        <TextField
          ref={locomotiveRef}
          id="device-plan-locomotive"
          label={t('live.devices.plan.locomotive')}
          hint={t('live.devices.plan.locomotiveHint')}
          autoComplete="off"
          maxLength={16}
          value={typed}
          error={errors.locomotive}
          onChange={(event) => {
            setTyped(event.target.value);
            setErrors((all) => ({ ...all, locomotive: undefined }));
          }}
        />
        <button type="submit" className="button" disabled={sending} aria-busy={sending || undefined}>
          {sending ? t('live.devices.plan.sending') : t('live.devices.plan.submit')}
        </button>
        {problem ? <Notice tone="error">{problem}</Notice> : null}
        {done ? <Notice tone="success">{done}</Notice> : null}
      </form>
    </section>
  );
}

const FIELD_ERRORS: Record<'name' | 'kind', Record<'required' | 'too-long' | 'invalid', TKey>> = {
  name: {
    required: 'live.devices.form.nameRequired',
    'too-long': 'live.devices.form.nameTooLong',
    invalid: 'live.devices.form.nameInvalid',
  },
  kind: {
    required: 'live.devices.form.kindRequired',
    'too-long': 'live.devices.form.kindRequired',
    invalid: 'live.devices.form.kindRequired',
  },
};

function RegisterForm({
  onRegistered,
  onMaybeRegistered,
}: {
  onRegistered: (device: RegisteredDevice) => void;
  onMaybeRegistered: () => void;
}) {
  const t = useT();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<DeviceKind | ''>('');
  const [errors, setErrors] = useState<DeviceFormErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const kindRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    const checked = validateDeviceForm({ name, kind });
    if (!checked.ok) {
      setErrors(checked.errors);
      (checked.errors.name ? nameRef : kindRef).current?.focus();
      return;
    }
    setErrors({});
    setSending(true);
    const result = await sendWithTimeLimit((signal) => createDevice(checked.device, signal));
    setSending(false);
    if (result.ok) {
      setName('');
      setKind('');
      onRegistered(result.data);
      return;
    }
    if (result.error.kind === 'timeout' || result.error.kind === 'network') {
      // The device may have been registered without the answer arriving: the list says whether it was.
      setProblem(t('live.devices.form.maybeRegistered'));
      onMaybeRegistered();
      return;
    }
    const code = deviceError(result.error);
    if (code === 'invalid' && result.error.kind === 'problem') {
      const fields = result.error.problem.errors ?? [];
      const next: DeviceFormErrors = {};
      if (fields.some((f) => f.field === 'name')) next.name = 'invalid';
      if (fields.some((f) => f.field === 'kind')) next.kind = 'invalid';
      if (next.name || next.kind) {
        setErrors(next);
        return;
      }
    }
    setProblem(t(ERRORS[code]));
  }

  return (
    <section aria-labelledby="device-new-title" className="devices__new">
      <h2 id="device-new-title">{t('live.devices.form.title')}</h2>
      <p>{t('live.devices.form.intro')}</p>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <TextField
          ref={nameRef}
          id="device-name"
          label={t('live.devices.form.name')}
          hint={t('live.devices.form.nameHint')}
          autoComplete="off"
          maxLength={80}
          value={name}
          error={errors.name ? t(FIELD_ERRORS.name[errors.name]) : undefined}
          onChange={(event) => {
            setName(event.target.value);
            setErrors((all) => ({ ...all, name: undefined }));
          }}
        />
        <fieldset
          className={errors.kind ? 'choice-group choice-group--invalid' : 'choice-group'}
          aria-describedby={errors.kind ? 'device-kind-error' : undefined}
        >
          <legend>{t('live.devices.form.kind')}</legend>
          <div className="choice-group__options">
            {DEVICE_KINDS.map((value, index) => (
              <label key={value} className="choice">
                <input
                  ref={index === 0 ? kindRef : undefined}
                  type="radio"
                  name="device-kind"
                  value={value}
                  checked={kind === value}
                  onChange={() => {
                    setKind(value);
                    setErrors((all) => ({ ...all, kind: undefined }));
                  }}
                />
                <span>
                  {t(KIND_NAMES[value])}
                  <span className="choice__hint">{t(KIND_HINTS[value])}</span>
                </span>
              </label>
            ))}
          </div>
          {errors.kind ? (
            <p id="device-kind-error" className="field__error">
              {t(FIELD_ERRORS.kind[errors.kind])}
            </p>
          ) : null}
        </fieldset>
        <button type="submit" className="button" disabled={sending} aria-busy={sending || undefined}>
          {sending ? t('live.devices.form.sending') : t('live.devices.form.submit')}
        </button>
        {problem ? <Notice tone="error">{problem}</Notice> : null}
      </form>
    </section>
  );
}

const KIND_HINTS: Record<DeviceKind, TKey> = {
  locomotive: 'live.devices.kindHints.locomotive',
  phone: 'live.devices.kindHints.phone',
  portable: 'live.devices.kindHints.portable',
};

/** The new device's key, shown this once: copy buttons, and a warning that it will not be shown again. */
function RegisteredKey({ device, onDone }: { device: RegisteredDevice; onDone: () => void }) {
  const t = useT();
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
    // Leaving the page (reload, closing the tab) would lose the key for good: the browser asks first.
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);

  return (
    <section className="device-key" aria-labelledby="device-key-title">
      <h2 id="device-key-title" ref={heading} tabIndex={-1}>
        {t('live.devices.key.title', { name: device.name, id: device.id })}
      </h2>
      <p className="device-key__warning">
        <strong>{t('live.devices.key.warning')}</strong>
      </p>
      <p>{t('live.devices.key.text')}</p>
      <CopyField id="device-key-id" label={t('live.devices.key.id')} value={String(device.id)} />
      <CopyField id="device-key-value" label={t('live.devices.key.key')} value={device.key} />
      <CopyField id="device-key-header" label={t('live.devices.key.header')} value={device.authorization} />
      <button type="button" className="button" onClick={onDone}>
        {t('live.devices.key.done')}
      </button>
    </section>
  );
}

function CopyField({ id, label, value }: { id: string; label: string; value: string }) {
  const t = useT();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  async function copy() {
    let ok = false;
    try {
      if (navigator.clipboard) {
        await navigator.clipboard.writeText(value);
        ok = true;
      }
    } catch {
      ok = false;
    }
    if (!ok && input.current) {
      // No clipboard API (a page not served over https): the older way, which may also be refused.
      input.current.select();
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
    }
    setCopied(ok ? 'yes' : 'no');
  }

  return (
    <div className="copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-field__row">
        <input
          ref={input}
          id={id}
          className="field__input copy-field__value"
          readOnly
          value={value}
          spellCheck={false}
          onFocus={(event) => event.target.select()}
        />
        <button type="button" className="button button--secondary button--small" onClick={() => void copy()}>
          {t('live.devices.key.copy')}
        </button>
      </div>
      <p role="status" className="copy-field__status">
        {copied === 'yes' ? t('live.devices.key.copied') : copied === 'no' ? t('live.devices.key.copyFailed') : ''}
      </p>
    </div>
  );
}
