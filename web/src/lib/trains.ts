// The live trains as tracking answers them (`GET /api/v1/trains`, `GET /api/v1/trains/{runId}`), read
// defensively: a field the app cannot use becomes null, a train without a position is left out, and an answer
// of the wrong shape is refused whole (null), so a server change never breaks a page. Shared by the live map
// and the booking page (features do not import each other). Pure: no DOM, no i18n.

export type Motion = 'moving' | 'stopped' | 'unknown';

/** departed: the train has left the stop; at: it is there now; upcoming: not reached yet. */
export type StopState = 'departed' | 'at' | 'upcoming';

export interface NextStop {
  /** Station code: `LOP`. */
  station: string;
  scheduledArrival: string | null;
  /** Expected arrival (live estimate). */
  eta: string | null;
}

/** A train run's latest position. Instants are ISO 8601 strings (UTC `Z` or with an offset). */
export interface LiveTrain {
  /** The run is one of inventory's dated trips: `runId` and `tripId` are the same number. */
  runId: number;
  tripId: number;
  trainNumber: number;
  /** `YYYY-MM-DD`, the local date the train leaves its first station. */
  serviceDate: string;
  service: string;
  /** Station codes. */
  origin: string;
  destination: string;
  lat: number;
  lon: number;
  /** Kilometre point from Owendo; null far off the line. */
  pk: number | null;
  offLineMetres: number | null;
  leg: { from: string; to: string } | null;
  /** The station the train is at (within about 1 km). */
  station: string | null;
  /** km/h. */
  speed: number | null;
  heading: number | null;
  motion: Motion;
  /** The time of the position. */
  updatedAt: string;
  /** Minutes behind the timetable (negative: ahead); null when unknown. */
  delayMinutes: number | null;
  nextStop: NextStop | null;
}

export interface RunStop {
  seq: number;
  station: string;
  name: string;
  pk: number | null;
  scheduledArrival: string | null;
  scheduledDeparture: string | null;
  actualArrival: string | null;
  actualDeparture: string | null;
  eta: string | null;
  etd: string | null;
  state: StopState;
}

/** One train run: the timetable of its stops with what happened and what is expected. */
export interface TrainRun {
  runId: number;
  tripId: number;
  trainNumber: number;
  serviceDate: string;
  service: string;
  origin: string;
  destination: string;
  /** `scheduled`, `cancelled`, …: inventory's status of the trip. */
  status: string;
  /** Null while no position came for the run. */
  latest: LiveTrain | null;
  delayMinutes: number | null;
  /** In running order. */
  stops: RunStop[];
}

type Fields = Record<string, unknown>;

function object(value: unknown): Fields | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A positive whole number (an id, a train number). */
function id(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** An ISO 8601 instant the browser can read, else null. */
function instant(value: unknown): string | null {
  return typeof value === 'string' && INSTANT.test(value) && !Number.isNaN(Date.parse(value)) ? value : null;
}

function motion(value: unknown): Motion {
  return value === 'moving' || value === 'stopped' ? value : 'unknown';
}

function leg(value: unknown): LiveTrain['leg'] {
  const v = object(value);
  const from = v && str(v.from);
  const to = v && str(v.to);
  return from && to ? { from, to } : null;
}

function nextStop(value: unknown): NextStop | null {
  const v = object(value);
  const station = v && str(v.station);
  if (!v || !station) return null;
  return { station, scheduledArrival: instant(v.scheduledArrival), eta: instant(v.eta) };
}

/** Whole minutes of delay, or null (a delay is a count of minutes; anything else is not used). */
function delay(value: unknown): number | null {
  const n = num(value);
  return n === null ? null : Math.round(n);
}

/** One train of `GET /api/v1/trains` (or a run's `latest`), or null when it has no usable position. */
export function parseTrain(value: unknown): LiveTrain | null {
  const v = object(value);
  if (!v) return null;
  const runId = id(v.runId) ?? id(v.tripId);
  const trainNumber = id(v.trainNumber);
  const lat = num(v.lat);
  const lon = num(v.lon);
  const updatedAt = instant(v.updatedAt);
  if (runId === null || trainNumber === null || lat === null || lon === null || updatedAt === null) return null;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return {
    runId,
    tripId: id(v.tripId) ?? runId,
    trainNumber,
    serviceDate: str(v.serviceDate) ?? '',
    service: str(v.service) ?? '',
    origin: str(v.origin) ?? '',
    destination: str(v.destination) ?? '',
    lat,
    lon,
    pk: num(v.pk),
    offLineMetres: num(v.offLineMetres),
    leg: leg(v.leg),
    station: str(v.station),
    speed: num(v.speed),
    heading: num(v.heading),
    motion: motion(v.motion),
    updatedAt,
    delayMinutes: delay(v.delayMinutes),
    nextStop: nextStop(v.nextStop),
  };
}

/** `{"trains": [...]}`: the usable trains, one per run (the newest position wins); null for another shape. */
export function parseTrains(value: unknown): LiveTrain[] | null {
  const v = object(value);
  if (!v || !Array.isArray(v.trains)) return null;
  const byRun = new Map<number, LiveTrain>();
  for (const item of v.trains) {
    const train = parseTrain(item);
    if (!train) continue;
    const known = byRun.get(train.runId);
    if (!known || Date.parse(train.updatedAt) > Date.parse(known.updatedAt)) byRun.set(train.runId, train);
  }
  return Array.from(byRun.values());
}

function stopState(value: unknown, actualArrival: string | null, actualDeparture: string | null): StopState {
  if (value === 'departed' || value === 'at' || value === 'upcoming') return value;
  // An unknown word: what the stop's actual times say.
  if (actualDeparture) return 'departed';
  return actualArrival ? 'at' : 'upcoming';
}

function parseStop(value: unknown, index: number): RunStop | null {
  const v = object(value);
  const station = v && str(v.station);
  if (!v || !station) return null;
  const actualArrival = instant(v.actualArrival);
  const actualDeparture = instant(v.actualDeparture);
  return {
    seq: id(v.seq) ?? index + 1,
    station,
    name: str(v.name) ?? station,
    pk: num(v.pk),
    scheduledArrival: instant(v.scheduledArrival),
    scheduledDeparture: instant(v.scheduledDeparture),
    actualArrival,
    actualDeparture,
    eta: instant(v.eta),
    etd: instant(v.etd),
    state: stopState(v.state, actualArrival, actualDeparture),
  };
}

/** `GET /api/v1/trains/{runId}`, or null when the answer is not a run. */
export function parseRun(value: unknown): TrainRun | null {
  const v = object(value);
  if (!v) return null;
  const runId = id(v.runId) ?? id(v.tripId);
  const trainNumber = id(v.trainNumber);
  if (runId === null || trainNumber === null) return null;
  const latest = parseTrain(v.latest);
  const stops = (Array.isArray(v.stops) ? v.stops : [])
    .map(parseStop)
    .filter((stop): stop is RunStop => stop !== null)
    .sort((a, b) => a.seq - b.seq);
  return {
    runId,
    tripId: id(v.tripId) ?? runId,
    trainNumber,
    serviceDate: str(v.serviceDate) ?? '',
    service: str(v.service) ?? '',
    origin: str(v.origin) ?? '',
    destination: str(v.destination) ?? '',
    status: str(v.status) ?? 'scheduled',
    latest,
    // The run's delay, else its latest position's.
    delayMinutes: delay(v.delayMinutes) ?? latest?.delayMinutes ?? null,
    stops,
  };
}

export type Delay =
  /** Not known (no timetable to compare with). */
  | { kind: 'unknown' }
  | { kind: 'on-time' }
  | { kind: 'late'; minutes: number }
  | { kind: 'early'; minutes: number };

/** What a delay in minutes means for a traveller: 0 is on time, +12 is 12 minutes late, −3 is 3 minutes early. */
export function delayOf(minutes: number | null | undefined): Delay {
  if (minutes == null || !Number.isFinite(minutes)) return { kind: 'unknown' };
  const whole = Math.round(minutes);
  if (whole > 0) return { kind: 'late', minutes: whole };
  if (whole < 0) return { kind: 'early', minutes: -whole };
  return { kind: 'on-time' };
}

/** The whole minutes from `scheduled` to `actual` (positive: later than planned); null when either is missing. */
export function minutesBetween(scheduled: string | null, actual: string | null): number | null {
  if (!scheduled || !actual) return null;
  const a = Date.parse(scheduled);
  const b = Date.parse(actual);
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.round((b - a) / 60_000);
}
