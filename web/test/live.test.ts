// Live trains: the answers of tracking read defensively, the rules of the live map, a train's page and the device
// screens, a booking's train, and the polling that keeps them fresh (a fake clock and page visibility).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessTo, hasArea } from '../src/app/roles';
import { parseResult, type ApiResult } from '../src/lib/api';
import { createPoller, pollDelay, type PollEnv } from '../src/lib/poller';
import { delayOf, minutesBetween, parseRun, parseTrains, type LiveTrain, type RunStop } from '../src/lib/trains';
import { bookingTrainStatus, followsTrain } from '../src/features/bookings/liveStatus';
import {
  assignedAutomatically,
  deviceError,
  mergeTripChoices,
  parseDevice,
  parseDevices,
  parseLocomotive,
  parseTripLocomotive,
  parseRegisteredDevice,
  parseTripChoices,
  parseTripId,
  pickedTrip,
  validateDeviceForm,
} from '../src/features/live/devices';
import { isMainStation, parseNetwork, stationNamer } from '../src/features/live/network';
import { tileConfig } from '../src/features/live/tiles';
import {
  STALE_AFTER_MS,
  isStale,
  nextStationOf,
  nextStopOf,
  placeOf,
  progressOf,
  sortTrains,
  stopStateName,
  stopTimes,
} from '../src/features/live/trains';

const NOW = Date.parse('2026-11-22T13:41:00Z');

function trainJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    runId: 123,
    tripId: 123,
    trainNumber: 714,
    serviceDate: '2026-11-22',
    service: 'express',
    origin: 'FCV',
    destination: 'OWE',
    lat: -0.1016,
    lon: 11.9482,
    pk: 312.4,
    offLineMetres: 850,
    leg: { from: 'BOO', to: 'LOP' },
    station: null,
    speed: 54,
    heading: 270,
    motion: 'moving',
    updatedAt: '2026-11-22T13:40:05Z',
    delayMinutes: 12,
    nextStop: { station: 'LOP', scheduledArrival: '2026-11-22T15:06:00Z', eta: '2026-11-22T15:18:00Z' },
    ...overrides,
  };
}

function train(overrides: Record<string, unknown> = {}): LiveTrain {
  const parsed = parseTrains({ trains: [trainJson(overrides)] });
  assert.ok(parsed && parsed.length === 1);
  return parsed[0];
}

function stop(seq: number, station: string, state: RunStop['state'], times: Partial<RunStop> = {}): RunStop {
  return {
    seq,
    station,
    name: station,
    pk: null,
    scheduledArrival: null,
    scheduledDeparture: null,
    actualArrival: null,
    actualDeparture: null,
    eta: null,
    etd: null,
    state,
    ...times,
  };
}

describe('tracking’s answers, read defensively', () => {
  it('reads a train as the contract writes it', () => {
    const t = train();
    assert.equal(t.runId, 123);
    assert.equal(t.trainNumber, 714);
    assert.deepEqual(t.leg, { from: 'BOO', to: 'LOP' });
    assert.equal(t.motion, 'moving');
    assert.equal(t.delayMinutes, 12);
    assert.deepEqual(t.nextStop, { station: 'LOP', scheduledArrival: '2026-11-22T15:06:00Z', eta: '2026-11-22T15:18:00Z' });
  });

  it('takes instants with Libreville’s offset as well as in UTC', () => {
    assert.equal(train({ updatedAt: '2026-11-22T14:40:05+01:00' }).updatedAt, '2026-11-22T14:40:05+01:00');
  });

  it('turns what it cannot use into nulls rather than failing (a server without delays yet)', () => {
    const t = train({
      delayMinutes: undefined,
      nextStop: undefined,
      pk: null,
      leg: { from: 'BOO' },
      speed: 'fast',
      motion: 'flying',
    });
    assert.equal(t.delayMinutes, null);
    assert.equal(t.nextStop, null);
    assert.equal(t.pk, null);
    assert.equal(t.leg, null);
    assert.equal(t.speed, null);
    assert.equal(t.motion, 'unknown');
    assert.equal(train({ nextStop: { station: 'LOP', eta: 'soon' } }).nextStop?.eta, null);
    assert.equal(train({ delayMinutes: 11.6 }).delayMinutes, 12);
  });

  it('leaves out a train without a usable position, and keeps one train per run (the newest)', () => {
    const trains = parseTrains({
      trains: [
        trainJson({ lat: null }),
        trainJson({ runId: 5, lon: 200 }),
        trainJson({ runId: 6, updatedAt: 'yesterday' }),
        'nonsense',
        trainJson({ runId: 7, updatedAt: '2026-11-22T13:00:00Z' }),
        trainJson({ runId: 7, trainNumber: 9, updatedAt: '2026-11-22T13:30:00Z' }),
      ],
    });
    assert.deepEqual(
      trains?.map((t) => [t.runId, t.trainNumber]),
      [[7, 9]],
    );
  });

  it('refuses an answer of another shape whole', () => {
    assert.equal(parseTrains(null), null);
    assert.equal(parseTrains({ trains: 'none' }), null);
    assert.equal(parseTrains([]), null);
    assert.deepEqual(parseTrains({ trains: [] }), []);
  });

  it('reads a run: stops in order, a missing state told by the actual times, the delay from its position', () => {
    const run = parseRun({
      runId: 123,
      tripId: 123,
      trainNumber: 714,
      serviceDate: '2026-11-22',
      service: 'express',
      origin: 'FCV',
      destination: 'OWE',
      status: 'scheduled',
      latest: trainJson({ delayMinutes: 7 }),
      stops: [
        { seq: 2, station: 'MOA', name: 'Moanda', actualArrival: '2026-11-22T10:00:00Z' },
        { seq: 1, station: 'FCV', name: 'Franceville', state: 'departed', actualDeparture: '2026-11-22T09:00:00Z' },
        { seq: 3, station: 'LTV', state: 'whatever' },
        { seq: 4 },
      ],
      track: [],
    });
    assert.ok(run);
    assert.deepEqual(
      run.stops.map((s) => [s.station, s.name, s.state]),
      [
        ['FCV', 'Franceville', 'departed'],
        ['MOA', 'Moanda', 'at'],
        ['LTV', 'LTV', 'upcoming'],
      ],
    );
    assert.equal(run.delayMinutes, 7);
    assert.equal(run.latest?.trainNumber, 714);
  });

  it('reads a run without a position or stops (a tracker not started), and refuses one without an id', () => {
    const run = parseRun({ runId: 9, trainNumber: 212, status: 'scheduled', latest: null, track: [] });
    assert.equal(run?.latest, null);
    assert.deepEqual(run?.stops, []);
    assert.equal(run?.delayMinutes, null);
    assert.equal(parseRun({ trainNumber: 212 }), null);
    assert.equal(parseRun('404'), null);
  });

  it('makes an unreadable success an unexpected answer, errors unchanged', () => {
    const bad = parseResult({ ok: true, status: 200, data: { trains: 3 } }, parseTrains);
    assert.deepEqual(bad, { ok: false, error: { kind: 'unexpected', status: 200 } });
    const failed: ApiResult<unknown> = { ok: false, error: { kind: 'network' } };
    assert.deepEqual(parseResult(failed, parseTrains), failed);
  });
});

describe('a delay', () => {
  it('is on time at zero, late after, early before, unknown without a timetable', () => {
    assert.deepEqual(delayOf(0), { kind: 'on-time' });
    assert.deepEqual(delayOf(12), { kind: 'late', minutes: 12 });
    assert.deepEqual(delayOf(-3), { kind: 'early', minutes: 3 });
    assert.deepEqual(delayOf(0.4), { kind: 'on-time' });
    assert.deepEqual(delayOf(null), { kind: 'unknown' });
    assert.deepEqual(delayOf(Number.NaN), { kind: 'unknown' });
  });

  it('counts whole minutes between the timetable and a time', () => {
    assert.equal(minutesBetween('2026-11-22T15:06:00Z', '2026-11-22T16:18:00+01:00'), 12);
    assert.equal(minutesBetween('2026-11-22T15:06:00Z', null), null);
    assert.equal(minutesBetween(null, '2026-11-22T15:06:00Z'), null);
  });
});

describe('the live list and map', () => {
  it('puts trains with a recent position first, then by number', () => {
    const recent = '2026-11-22T13:40:00Z';
    const old = new Date(NOW - STALE_AFTER_MS - 60_000).toISOString();
    const trains = [
      train({ runId: 1, trainNumber: 800, updatedAt: recent }),
      train({ runId: 2, trainNumber: 100, updatedAt: old }),
      train({ runId: 3, trainNumber: 714, updatedAt: recent }),
      train({ runId: 4, trainNumber: 714, serviceDate: '2026-11-21', updatedAt: recent }),
    ];
    assert.deepEqual(
      sortTrains(trains, NOW).map((t) => t.runId),
      [4, 3, 1, 2],
    );
  });

  it('calls a position old after ten minutes', () => {
    assert.equal(isStale({ updatedAt: new Date(NOW - STALE_AFTER_MS).toISOString() }, NOW), false);
    assert.equal(isStale({ updatedAt: new Date(NOW - STALE_AFTER_MS - 1000).toISOString() }, NOW), true);
    assert.equal(isStale({ updatedAt: 'never' }, NOW), true);
  });

  it('says where a train is: at a station, between two, or off the line', () => {
    assert.deepEqual(placeOf(train({ station: 'BOO' })), { kind: 'at', station: 'BOO' });
    assert.deepEqual(placeOf(train()), { kind: 'between', from: 'BOO', to: 'LOP' });
    assert.deepEqual(placeOf(train({ leg: null })), { kind: 'unknown' });
  });

  it('gives the next station’s live estimate, else its timetable time', () => {
    assert.deepEqual(nextStationOf(train()), { station: 'LOP', time: '2026-11-22T15:18:00Z', expected: true });
    assert.deepEqual(
      nextStationOf(train({ nextStop: { station: 'LOP', scheduledArrival: '2026-11-22T15:06:00Z', eta: null } })),
      { station: 'LOP', time: '2026-11-22T15:06:00Z', expected: false },
    );
    assert.equal(nextStationOf(train({ nextStop: null })), null);
  });
});

describe('a train’s stops', () => {
  const stops = [
    stop(1, 'FCV', 'departed', {
      scheduledDeparture: '2026-11-22T07:00:00Z',
      actualDeparture: '2026-11-22T07:04:00Z',
    }),
    stop(2, 'BOO', 'at', {
      scheduledArrival: '2026-11-22T13:30:00Z',
      scheduledDeparture: '2026-11-22T13:35:00Z',
      actualArrival: '2026-11-22T13:41:00Z',
      etd: '2026-11-22T13:46:00Z',
    }),
    stop(3, 'LOP', 'upcoming', {
      scheduledArrival: '2026-11-22T15:06:00Z',
      scheduledDeparture: '2026-11-22T15:08:00Z',
      eta: '2026-11-22T15:18:00Z',
      etd: '2026-11-22T15:20:00Z',
    }),
    stop(4, 'OWE', 'upcoming', { scheduledArrival: '2026-11-22T19:00:00Z' }),
  ];

  it('shows what happened at a stop left, and the estimate of what is to come', () => {
    assert.deepEqual(stopTimes(stops[0]), {
      arrival: { scheduled: null, shown: null },
      departure: {
        scheduled: '2026-11-22T07:00:00Z',
        shown: { time: '2026-11-22T07:04:00Z', kind: 'actual', late: 4 },
      },
    });
    assert.deepEqual(stopTimes(stops[1]), {
      arrival: { scheduled: '2026-11-22T13:30:00Z', shown: { time: '2026-11-22T13:41:00Z', kind: 'actual', late: 11 } },
      departure: { scheduled: '2026-11-22T13:35:00Z', shown: { time: '2026-11-22T13:46:00Z', kind: 'expected', late: 11 } },
    });
    assert.deepEqual(stopTimes(stops[2]).arrival, {
      scheduled: '2026-11-22T15:06:00Z',
      shown: { time: '2026-11-22T15:18:00Z', kind: 'expected', late: 12 },
    });
    // No estimate yet: the timetable alone.
    assert.deepEqual(stopTimes(stops[3]).arrival, { scheduled: '2026-11-22T19:00:00Z', shown: null });
  });

  it('never shows an estimate for a stop already left, even if one is still sent', () => {
    const left = stop(1, 'FCV', 'departed', { scheduledDeparture: '2026-11-22T07:00:00Z', etd: '2026-11-22T07:30:00Z' });
    assert.equal(stopTimes(left).departure.shown, null);
  });

  it('finds the stop the train is at or comes to next', () => {
    assert.equal(nextStopOf(stops)?.station, 'BOO');
    assert.equal(nextStopOf(stops.map((s) => ({ ...s, state: 'departed' as const }))), null);
  });

  it('calls a last stop left behind the train’s arrival', () => {
    assert.equal(stopStateName({ state: 'departed' }, true), 'arrived');
    assert.equal(stopStateName({ state: 'departed' }, false), 'departed');
    assert.equal(stopStateName({ state: 'at' }, true), 'at');
  });

  it('says where the run is in its journey', () => {
    assert.deepEqual(progressOf(stops), { kind: 'at', stop: stops[1], time: '2026-11-22T13:46:00Z' });
    const onTheWay = [stops[0], { ...stops[1], state: 'departed' as const }, stops[2], stops[3]];
    assert.deepEqual(progressOf(onTheWay), { kind: 'next', stop: stops[2], time: '2026-11-22T15:18:00Z' });
    const waiting = stops.map((s) => ({ ...s, state: 'upcoming' as const }));
    assert.equal(progressOf(waiting)?.kind, 'not-started');
    assert.equal(progressOf(waiting)?.time, '2026-11-22T07:00:00Z');
    const arrived = [
      ...stops.slice(0, 3).map((s) => ({ ...s, state: 'departed' as const })),
      { ...stops[3], state: 'at' as const, actualArrival: '2026-11-22T19:05:00Z' },
    ];
    assert.deepEqual(progressOf(arrived), { kind: 'arrived', stop: arrived[3], time: '2026-11-22T19:05:00Z' });
    // Tracking marks the last stop left once the train got there.
    const done = arrived.map((s) => ({ ...s, state: 'departed' as const }));
    assert.deepEqual(progressOf(done), { kind: 'arrived', stop: done[3], time: '2026-11-22T19:05:00Z' });
    assert.equal(progressOf([]), null);
  });
});

describe('a booking’s train', () => {
  function run(stops: RunStop[], overrides: Record<string, unknown> = {}) {
    const parsed = parseRun({
      runId: 123,
      trainNumber: 714,
      status: 'scheduled',
      latest: trainJson(),
      delayMinutes: 12,
      stops,
      ...overrides,
    });
    assert.ok(parsed);
    return parsed;
  }
  const lop = stop(3, 'LOP', 'upcoming', {
    name: 'La Lopé',
    scheduledArrival: '2026-11-22T15:06:00Z',
    scheduledDeparture: '2026-11-22T15:08:00Z',
    eta: '2026-11-22T15:18:00Z',
    etd: '2026-11-22T15:20:00Z',
  });

  it('says when the train is expected at the traveller’s station, late by as much as there', () => {
    assert.deepEqual(bookingTrainStatus(run([lop]), 'LOP'), {
      trainNumber: 714,
      delay: { kind: 'late', minutes: 12 },
      boarding: { kind: 'expected', station: 'La Lopé', time: '2026-11-22T15:18:00Z' },
    });
  });

  it('uses the departure at a first station, which has no arrival', () => {
    const origin = stop(1, 'FCV', 'upcoming', {
      name: 'Franceville',
      scheduledDeparture: '2026-11-22T07:00:00Z',
      etd: '2026-11-22T07:00:00Z',
    });
    assert.deepEqual(bookingTrainStatus(run([origin]), 'FCV'), {
      trainNumber: 714,
      delay: { kind: 'on-time' },
      boarding: { kind: 'expected', station: 'Franceville', time: '2026-11-22T07:00:00Z' },
    });
  });

  it('says when the train is at the station or has left it', () => {
    const at = { ...lop, state: 'at' as const, actualArrival: '2026-11-22T15:18:00Z' };
    assert.deepEqual(bookingTrainStatus(run([at]), 'LOP')?.boarding, {
      kind: 'at',
      station: 'La Lopé',
      time: '2026-11-22T15:20:00Z',
    });
    const left = { ...lop, state: 'departed' as const, actualDeparture: '2026-11-22T15:21:00Z' };
    const status = bookingTrainStatus(run([left]), 'LOP');
    assert.deepEqual(status?.boarding, { kind: 'left', station: 'La Lopé', time: '2026-11-22T15:21:00Z' });
    assert.deepEqual(status?.delay, { kind: 'late', minutes: 13 });
  });

  it('falls back on the train’s delay when the station is not among the stops', () => {
    assert.deepEqual(bookingTrainStatus(run([lop]), 'NDJ'), {
      trainNumber: 714,
      delay: { kind: 'late', minutes: 12 },
      boarding: { kind: 'unknown' },
    });
  });

  it('says nothing without live data, or for a cancelled train', () => {
    assert.equal(bookingTrainStatus(run([lop], { latest: null }), 'LOP'), null);
    assert.equal(bookingTrainStatus(run([lop], { status: 'cancelled' }), 'LOP'), null);
  });

  it('is looked at only for a journey still to be made, from the day before until well after the arrival', () => {
    const journey = {
      from: { departure: '2026-11-22T15:08:00+01:00' },
      to: { arrival: '2026-11-22T20:00:00+01:00' },
    };
    const at = (iso: string) => Date.parse(iso);
    assert.equal(followsTrain({ ...journey, status: 'confirmed' }, at('2026-11-22T15:00:00+01:00')), true);
    assert.equal(followsTrain({ ...journey, status: 'awaiting_payment' }, at('2026-11-21T15:08:00+01:00')), true);
    assert.equal(followsTrain({ ...journey, status: 'confirmed' }, at('2026-11-21T15:07:00+01:00')), false);
    assert.equal(followsTrain({ ...journey, status: 'confirmed' }, at('2026-11-23T08:00:00+01:00')), true);
    assert.equal(followsTrain({ ...journey, status: 'confirmed' }, at('2026-11-23T08:01:00+01:00')), false);
    for (const status of ['cancelled', 'exchanged', 'expired', 'refund_due'] as const) {
      assert.equal(followsTrain({ ...journey, status }, at('2026-11-22T15:00:00+01:00')), false);
    }
  });
});

describe('the line on the map', () => {
  it('reads the stations and the polyline, skipping what is not a point', () => {
    const network = parseNetwork({
      stations: [
        { code: 'OWE', name: 'Owendo', km: 0, lat: 0.305, lon: 9.512, type: 'terminus' },
        { code: 'XXX', name: 'Nowhere', km: 1 },
        { code: 'NTO', name: 'Ntoum', km: 35, lat: 0.3913, lon: 9.7589, type: 'principale' },
      ],
      line: [{ lat: 0.305, lon: 9.512 }, { lat: 'x' }, { lat: 0.3913, lon: 9.7589 }],
    });
    assert.deepEqual(
      network?.stations.map((s) => s.code),
      ['OWE', 'NTO'],
    );
    assert.equal(network?.line.length, 2);
    assert.equal(stationNamer(network)('NTO'), 'Ntoum');
    assert.equal(stationNamer(null)('NTO'), 'NTO');
    assert.ok(network && isMainStation(network.stations[0]));
  });

  it('draws the line through the stations when no polyline comes', () => {
    const network = parseNetwork({
      stations: [
        { code: 'OWE', name: 'Owendo', lat: 0.305, lon: 9.512 },
        { code: 'NTO', name: 'Ntoum', lat: 0.3913, lon: 9.7589 },
      ],
    });
    assert.deepEqual(network?.line, [
      { lat: 0.305, lon: 9.512 },
      { lat: 0.3913, lon: 9.7589 },
    ]);
    assert.equal(parseNetwork({ line: [] }), null);
  });

  it('uses map tiles only when a usable template is configured', () => {
    assert.equal(tileConfig('', ''), null);
    assert.equal(tileConfig(null, null), null);
    assert.deepEqual(tileConfig(' https://tiles.example.ga/{z}/{x}/{y}.png ', '© OSM'), {
      url: 'https://tiles.example.ga/{z}/{x}/{y}.png',
      attribution: '© OSM',
    });
    assert.deepEqual(tileConfig('/tiles/{z}/{x}/{y}.png', ''), { url: '/tiles/{z}/{x}/{y}.png', attribution: '' });
    assert.equal(tileConfig('http://tiles.example.ga/{z}/{x}/{y}.png', ''), null); // the page is https
    assert.equal(tileConfig('//tiles.example.ga/{z}/{x}/{y}.png', ''), null);
    assert.equal(tileConfig('https://tiles.example.ga/{z}/{x}.png', ''), null);
    assert.equal(tileConfig('javascript:alert(1)//{z}{x}{y}', ''), null);
  });
});

describe('the device screens', () => {
  it('checks a new device as the server does', () => {
    assert.deepEqual(validateDeviceForm({ name: '  CC 2201 cabine A ', kind: 'locomotive' }), {
      ok: true,
      device: { name: 'CC 2201 cabine A', kind: 'locomotive' },
    });
    assert.deepEqual(validateDeviceForm({ name: ' ', kind: '' }), {
      ok: false,
      errors: { name: 'required', kind: 'required' },
    });
    assert.deepEqual(validateDeviceForm({ name: 'é'.repeat(81), kind: 'phone' }), {
      ok: false,
      errors: { name: 'too-long' },
    });
    assert.equal(validateDeviceForm({ name: 'é'.repeat(80), kind: 'phone' }).ok, true);
    assert.deepEqual(validateDeviceForm({ name: 'a\u0007b', kind: 'portable' }), {
      ok: false,
      errors: { name: 'invalid' },
    });
  });

  it('reads a trip number as typed', () => {
    assert.equal(parseTripId(' 123 '), 123);
    assert.equal(parseTripId('#42'), 42);
    assert.equal(parseTripId('0'), null);
    assert.equal(parseTripId('12a'), null);
    assert.equal(parseTripId('-4'), null);
    assert.equal(parseTripId('4294967295'), 4294967295);
    assert.equal(parseTripId('4294967296'), null);
  });

  it('takes the trip chosen in the list, or typed', () => {
    assert.deepEqual(pickedTrip({ kind: 'listed', tripId: '17' }), { ok: true, tripId: 17 });
    assert.deepEqual(pickedTrip({ kind: 'listed', tripId: '' }), { ok: false, reason: 'required' });
    assert.deepEqual(pickedTrip({ kind: 'typed', text: 'abc' }), { ok: false, reason: 'invalid' });
    assert.deepEqual(pickedTrip({ kind: 'typed', text: '9' }), { ok: true, tripId: 9 });
  });

  it('lists the trains of both directions and days once each, by departure', () => {
    const down = parseTripChoices(
      { trips: [{ id: 2, trainNumber: 711, serviceDate: '2026-11-22', departure: '2026-11-22T18:00:00+01:00' }, { id: 'x' }] },
      { from: 'OWE', to: 'FCV', date: '2026-11-22' },
    );
    const up = parseTripChoices(
      { trips: [{ id: 1, trainNumber: 714, departure: '2026-11-22T08:00:00+01:00' }] },
      { from: 'FCV', to: 'OWE', date: '2026-11-22' },
    );
    assert.ok(down && up);
    assert.deepEqual(
      mergeTripChoices([down, up, down]).map((t) => [t.id, t.from, t.serviceDate]),
      [
        [1, 'FCV', '2026-11-22'],
        [2, 'OWE', '2026-11-22'],
      ],
    );
    assert.equal(parseTripChoices({}, { from: 'OWE', to: 'FCV', date: '2026-11-22' }), null);
  });

  it('reads the device list and a new device’s one-time key', () => {
    assert.deepEqual(
      parseDevices({
        devices: [
          { id: 2, name: 'B', kind: 'phone', tripId: null, assignedAt: null, createdAt: '2026-11-22T10:00:00+01:00' },
          { id: 1, name: 'A', kind: 'locomotive', tripId: 123, assignedAt: '2026-11-22T10:00:00+01:00', createdAt: '2026-11-22T09:00:00+01:00' },
          { name: 'no id' },
        ],
      })?.map((d) => [d.id, d.tripId]),
      [
        [1, 123],
        [2, null],
      ],
    );
    const made = parseRegisteredDevice({ id: 3, name: 'C', kind: 'portable', tripId: null, assignedAt: null, createdAt: 'x', key: 'k3y' });
    assert.equal(made?.key, 'k3y');
    assert.equal(made?.authorization, 'Device 3:k3y');
    assert.equal(parseRegisteredDevice({ id: 3, name: 'C', kind: 'portable' }), null); // no key: never shown again
  });

  it('says why a request was refused', () => {
    const problem = (status: number, type = 'https://setrag.ga/problems/x', errors?: Array<{ field: string; code: string }>) => ({
      kind: 'problem' as const,
      status,
      problem: { type, title: '', status, errors },
    });
    assert.equal(deviceError(problem(422, 'https://setrag.ga/problems/validation', [{ field: 'tripId', code: 'unknown-trip' }])), 'unknown-trip');
    assert.equal(deviceError(problem(422, 'https://setrag.ga/problems/validation', [{ field: 'name', code: 'invalid' }])), 'invalid');
    assert.equal(deviceError(problem(404)), 'unknown-device');
    assert.equal(deviceError(problem(401)), 'signed-out');
    assert.equal(deviceError(problem(403)), 'not-allowed');
    assert.equal(deviceError(problem(403, 'https://setrag.ga/problems/csrf')), 'session-expired');
    assert.equal(deviceError(problem(503)), 'unavailable');
    assert.equal(deviceError({ kind: 'timeout' }), 'timeout');
    assert.equal(deviceError({ kind: 'network' }), 'network');
    assert.equal(deviceError(problem(409, 'https://setrag.ga/problems/trip-closed')), 'trip-closed');
  });

  it('reads a locomotive number as the servers keep it, empty meaning none', () => {
    assert.deepEqual(parseLocomotive('  cc   2201 '), { ok: true, locomotive: 'CC 2201' });
    assert.deepEqual(parseLocomotive('BB-1104'), { ok: true, locomotive: 'BB-1104' });
    assert.deepEqual(parseLocomotive(''), { ok: true, locomotive: null });
    assert.deepEqual(parseLocomotive('   '), { ok: true, locomotive: null });
    assert.deepEqual(parseLocomotive('X'.repeat(16)), { ok: true, locomotive: 'X'.repeat(16) });
    for (const bad of ['X'.repeat(17), 'CC_2201', '-2201', 'CC 22é1', 'CC\t2201']) {
      assert.deepEqual(parseLocomotive(bad), { ok: false }, bad);
    }
  });

  it('tells an automatic assignment from an operator’s, and reads a device’s locomotive', () => {
    const base = { id: 4, name: 'CC 2201 GPS', kind: 'locomotive', assignedAt: '2026-11-22T10:00:00+01:00', createdAt: 'x' };
    const automatic = parseDevice({ ...base, tripId: 12, locomotive: 'CC 2201', assignmentSource: 'locomotive', assignedBy: 'CC 2201' });
    assert.ok(automatic);
    assert.equal(automatic.locomotive, 'CC 2201');
    assert.equal(assignedAutomatically(automatic), true);
    const manual = parseDevice({ ...base, tripId: 12, locomotive: 'CC 2201', assignmentSource: 'operator', assignedBy: 'usr_ops' });
    assert.ok(manual);
    assert.equal(assignedAutomatically(manual), false);
    // An older server (no locomotive fields) or an unknown source: no locomotive, not automatic.
    const older = parseDevice({ ...base, tripId: 12, assignmentSource: 'magic' });
    assert.ok(older);
    assert.deepEqual([older.locomotive, older.assignmentSource, assignedAutomatically(older)], [null, null, false]);
    const unassigned = parseDevice({ ...base, tripId: null, assignmentSource: 'locomotive' });
    assert.ok(unassigned);
    assert.equal(assignedAutomatically(unassigned), false);
  });

  it('reads the locomotive planned for a trip', () => {
    assert.deepEqual(parseTripLocomotive({ tripId: 7, trainNumber: 211, serviceDate: '2026-11-24', locomotive: 'CC 2201' }), {
      tripId: 7,
      trainNumber: 211,
      serviceDate: '2026-11-24',
      locomotive: 'CC 2201',
    });
    assert.equal(parseTripLocomotive({ tripId: 7, locomotive: null })?.locomotive, null);
    assert.equal(parseTripLocomotive({ locomotive: 'CC 2201' }), null);
  });

  it('opens to operators and administrators only', () => {
    const signedIn = (roles: string[]) => ({ status: 'signed-in' as const, user: { roles } });
    assert.equal(accessTo('tracking', signedIn(['operator'])), 'allowed');
    assert.equal(accessTo('tracking', signedIn(['admin'])), 'allowed');
    assert.equal(accessTo('tracking', signedIn(['agent'])), 'denied');
    assert.equal(accessTo('tracking', signedIn(['conductor', 'customer'])), 'denied');
    assert.ok(hasArea(['operator'], 'agent')); // and the staff area leads there
  });
});

describe('when to ask again', () => {
  const base = { visible: true, inFlight: false, settledAt: 1_000, failures: 0, now: 1_000, intervalMs: 15_000, maxIntervalMs: 60_000 };

  it('asks at once the first time, then every interval after the last answer', () => {
    assert.equal(pollDelay({ ...base, settledAt: null }), 0);
    assert.equal(pollDelay(base), 15_000);
    assert.equal(pollDelay({ ...base, now: 11_000 }), 5_000);
    assert.equal(pollDelay({ ...base, now: 60_000 }), 0);
  });

  it('asks nothing while the page is hidden or a request is on its way', () => {
    assert.equal(pollDelay({ ...base, visible: false }), null);
    assert.equal(pollDelay({ ...base, inFlight: true }), null);
  });

  it('waits longer after failures in a row, up to a limit', () => {
    assert.equal(pollDelay({ ...base, failures: 1 }), 15_000);
    assert.equal(pollDelay({ ...base, failures: 2 }), 30_000);
    assert.equal(pollDelay({ ...base, failures: 3 }), 60_000);
    assert.equal(pollDelay({ ...base, failures: 40 }), 60_000);
  });
});

/** A clock, timers and a page visibility the test moves by hand. */
class FakeEnv implements PollEnv {
  time = 0;
  visible = true;
  private timers = new Map<number, { at: number; run: () => void }>();
  private nextId = 1;
  private visibility = new Set<() => void>();
  private online = new Set<() => void>();

  now = () => this.time;
  setTimeout = (run: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, run });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers.delete(id as number);
  };
  isVisible = () => this.visible;
  onVisibilityChange = (listener: () => void) => {
    this.visibility.add(listener);
    return () => this.visibility.delete(listener);
  };
  onOnline = (listener: () => void) => {
    this.online.add(listener);
    return () => this.online.delete(listener);
  };

  get watching(): number {
    return this.visibility.size;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    for (const listener of this.visibility) listener();
  }

  comeOnline(): void {
    for (const listener of this.online) listener();
  }

  /** Moves the clock on, running the timers due on the way (and what their promises do). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      let due: [number, { at: number; run: () => void }] | null = null;
      for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].run();
    }
    this.time = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
}

/** A `load` whose answers the test gives, one per request. */
function scriptedLoad() {
  const calls: Array<{ answer: (result: ApiResult<number>) => void; signal: AbortSignal }> = [];
  const load = (signal: AbortSignal) =>
    new Promise<ApiResult<number>>((resolve) => {
      calls.push({ answer: resolve, signal });
    });
  return { calls, load };
}

const ok = (data: number): ApiResult<number> => ({ ok: true, status: 200, data });
const down: ApiResult<number> = { ok: false, error: { kind: 'network' } };

describe('polling', () => {
  it('asks when a screen listens, then every interval after each answer', async () => {
    const env = new FakeEnv();
    const { calls, load } = scriptedLoad();
    const source = createPoller(load, { intervalMs: 15_000 }, env);
    assert.equal(calls.length, 0); // nobody listens yet
    const stop = source.subscribe(() => undefined);
    await env.advance(0);
    assert.equal(calls.length, 1);
    assert.equal(source.getSnapshot().loading, true);
    env.time = 2_000;
    calls[0].answer(ok(1));
    await settle();
    assert.deepEqual(source.getSnapshot(), { data: 1, receivedAt: 2_000, error: null, loading: false, slow: false });
    await env.advance(14_999);
    assert.equal(calls.length, 1);
    await env.advance(1);
    assert.equal(calls.length, 2);
    stop();
  });

  it('keeps the last good answer when a request fails, and says so', async () => {
    const env = new FakeEnv();
    const { calls, load } = scriptedLoad();
    const source = createPoller(load, { intervalMs: 15_000 }, env);
    const stop = source.subscribe(() => undefined);
    await env.advance(0);
    calls[0].answer(ok(7));
    await env.advance(15_000);
    calls[1].answer(down);
    await settle();
    const snapshot = source.getSnapshot();
    assert.equal(snapshot.data, 7);
    assert.equal(snapshot.receivedAt, 0);
    assert.deepEqual(snapshot.error, { kind: 'network' });
    // The next success clears the failure.
    await env.advance(15_000);
    calls[2].answer(ok(8));
    await settle();
    assert.equal(source.getSnapshot().data, 8);
    assert.equal(source.getSnapshot().error, null);
    stop();
  });

  it('stops while the page is hidden and catches up when it shows again', async () => {
    const env = new FakeEnv();
    const { calls, load } = scriptedLoad();
    const source = createPoller(load, { intervalMs: 15_000 }, env);
    const stop = source.subscribe(() => undefined);
    await env.advance(0);
    calls[0].answer(ok(1));
    await env.advance(5_000);
    env.setVisible(false);
    await env.advance(120_000);
    assert.equal(calls.length, 1); // nothing asked in the background
    env.setVisible(true);
    await env.advance(0);
    assert.equal(calls.length, 2); // the answer is old: asked at once
    calls[1].answer(ok(2));
    await env.advance(3_000);
    env.setVisible(false);
    env.setVisible(true);
    await env.advance(0);
    assert.equal(calls.length, 2); // shown again soon after an answer: waits for the rest of the interval
    await env.advance(12_000);
    assert.equal(calls.length, 3);
    stop();
  });

  it('does not ask before the page is first visible', async () => {
    const env = new FakeEnv();
    env.visible = false;
    const { calls, load } = scriptedLoad();
    const source = createPoller(load, { intervalMs: 15_000 }, env);
    const stop = source.subscribe(() => undefined);
    await env.advance(60_000);
    assert.equal(calls.length, 0);
    env.setVisible(true);
    await env.advance(0);
    assert.equal(calls.length, 1);
    stop();
  });

  it('stops when the last screen leaves, abandoning the request on its way', async () => {
    const env = new FakeEnv();
    const { calls, load } = scriptedLoad();
    const source = createPoller(load, { intervalMs: 15_000 }, env);
    const first = source.subscribe(() => undefined);
    const second = source.subscribe(() => undefined);
    await env.advance(0);
    first();
    assert.equal(calls[0].signal.aborted, false); // one screen still listens
    second();
    assert.equal(calls[0].signal.aborted, true);
    assert.equal(env.watching, 0);
    calls[0].answer(ok(5)); // too late: nobody's answer
    await env.advance(60_000);
    assert.equal(calls.length, 1);
    assert.equal(source.getSnapshot().data, null);
  });

  it('gives up a request after its time limit, and says it was slow before', async () => {
    const env = new FakeEnv();
    const { calls, load } = scriptedLoad();
    const source = createPoller(load, { intervalMs: 15_000, timeoutMs: 20_000, slowAfterMs: 6_000 }, env);
    const stop = source.subscribe(() => undefined);
    await env.advance(6_000);
    assert.equal(source.getSnapshot().slow, true);
    await env.advance(14_000);
    assert.equal(calls[0].signal.aborted, true);
    calls[0].answer(down); // what an aborted fetch answers
    await settle();
    assert.deepEqual(source.getSnapshot().error, { kind: 'timeout' });
    assert.equal(source.getSnapshot().slow, false);
    stop();
  });

  it('waits longer after failures in a row, and asks at once when the network comes back', async () => {
    const env = new FakeEnv();
    const { calls, load } = scriptedLoad();
    const source = createPoller(load, { intervalMs: 15_000, maxIntervalMs: 60_000 }, env);
    const stop = source.subscribe(() => undefined);
    await env.advance(0);
    calls[0].answer(down);
    await env.advance(15_000);
    calls[1].answer(down);
    await env.advance(29_999);
    assert.equal(calls.length, 2);
    env.comeOnline();
    await env.advance(0);
    assert.equal(calls.length, 3);
    stop();
  });

  it('asks again on demand, once at a time', async () => {
    const env = new FakeEnv();
    const { calls, load } = scriptedLoad();
    const source = createPoller(load, { intervalMs: 15_000 }, env);
    const stop = source.subscribe(() => undefined);
    await env.advance(0);
    source.refresh();
    assert.equal(calls.length, 1); // one on its way already
    calls[0].answer(down);
    await settle();
    source.refresh();
    assert.equal(calls.length, 2);
    stop();
  });

  it('tells listeners of each change with a new snapshot, the same one otherwise', async () => {
    const env = new FakeEnv();
    const { calls, load } = scriptedLoad();
    const source = createPoller(load, { intervalMs: 15_000 }, env);
    let told = 0;
    const stop = source.subscribe(() => {
      told += 1;
    });
    await env.advance(0);
    const loading = source.getSnapshot();
    assert.equal(source.getSnapshot(), loading);
    calls[0].answer(ok(1));
    await settle();
    assert.notEqual(source.getSnapshot(), loading);
    assert.equal(told, 2); // loading, then answered
    stop();
  });
});
