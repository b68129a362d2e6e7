// The live WebSocket: its messages read defensively, the news merged by `updatedAt`, the pauses between
// reconnections, the connection's state machine, when the HTTP read stands in, and the source that drives a socket
// (a fake socket, clock and page visibility).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiResult } from '../src/lib/api';
import { formatKm } from '../src/lib/format';
import {
  INITIAL_CONNECTION,
  RECONNECT_STEPS_MS,
  applySnapshot,
  applyUpdate,
  connectionStep,
  fetchDelay,
  newestPerRun,
  parseLiveMessage,
  reconnectDelay,
  runMerge,
  subscribeText,
  trainsMerge,
  withLatest,
  type ConnectionEvent,
  type ConnectionState,
} from '../src/lib/live';
import {
  CONNECT_TIMEOUT_MS,
  DRAW_EVERY_MS,
  GRACE_MS,
  RESYNC_MS,
  createLiveSource,
  liveSocketUrl,
  type LiveEnv,
  type SocketCallbacks,
} from '../src/lib/liveSource';
import { parseRun, parseTrain, type LiveTrain, type TrainRun } from '../src/lib/trains';

function trainJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    runId: 65,
    tripId: 65,
    trainNumber: 9090,
    serviceDate: '2026-11-22',
    service: 'express',
    origin: 'OWE',
    destination: 'FCV',
    lat: 0.3913,
    lon: 9.7589,
    pk: 35,
    offLineMetres: 0,
    leg: { from: 'NTO', to: 'NDJ' },
    station: 'NTO',
    speed: 0,
    motion: 'stopped',
    updatedAt: '2026-11-22T15:08:18+01:00',
    delayMinutes: 3,
    nextStop: { station: 'NDJ', scheduledArrival: '2026-11-22T17:55:00+01:00', eta: '2026-11-22T17:58:00+01:00' },
    ...overrides,
  };
}

function train(overrides: Record<string, unknown> = {}): LiveTrain {
  const parsed = parseTrain(trainJson(overrides));
  assert.ok(parsed);
  return parsed;
}

const at = (hhmmss: string) => `2026-11-22T${hhmmss}+01:00`;

function run(latest: Record<string, unknown> | null = trainJson(), overrides: Record<string, unknown> = {}): TrainRun {
  const parsed = parseRun({
    runId: 65,
    tripId: 65,
    trainNumber: 9090,
    serviceDate: '2026-11-22',
    origin: 'OWE',
    destination: 'FCV',
    status: 'scheduled',
    delayMinutes: 3,
    latest,
    stops: [
      { seq: 1, station: 'OWE', name: 'Owendo', state: 'departed', scheduledDeparture: at('14:27:00') },
      { seq: 2, station: 'NDJ', name: 'Ndjolé', state: 'upcoming', scheduledArrival: at('17:55:00') },
    ],
    ...overrides,
  });
  assert.ok(parsed);
  return parsed;
}

describe('the live socket’s messages', () => {
  it('asks for every train, one run or a booking’s train', () => {
    assert.deepEqual(JSON.parse(subscribeText({ channel: 'trains' })), { subscribe: 'trains' });
    assert.deepEqual(JSON.parse(subscribeText({ channel: 'run', runId: 12 })), { subscribe: 'run', runId: 12 });
    assert.deepEqual(JSON.parse(subscribeText({ channel: 'booking', pnr: 'K7Q2ZB' })), {
      subscribe: 'booking',
      pnr: 'K7Q2ZB',
    });
  });

  it('reads a snapshot: usable trains only, one per run (the newest), optional fields omitted', () => {
    const sparse = { runId: 70, trainNumber: 714, lat: -0.1, lon: 11.9, updatedAt: at('15:00:00') };
    const message = parseLiveMessage(
      JSON.stringify({
        type: 'snapshot',
        channel: 'trains',
        trains: [
          trainJson(),
          trainJson({ updatedAt: at('15:09:00'), pk: 36 }),
          trainJson({ runId: 66, tripId: 66, lat: 'north' }), // no usable position
          sparse,
          'nonsense',
        ],
      }),
    );
    assert.ok(message && message.type === 'snapshot');
    assert.equal(message.channel, 'trains');
    assert.deepEqual(
      message.trains.map((t) => [t.runId, t.pk]),
      [
        [65, 36],
        [70, null],
      ],
    );
    const bare = message.trains[1];
    assert.equal(bare.tripId, 70);
    assert.equal(bare.delayMinutes, null);
    assert.equal(bare.nextStop, null);
    assert.equal(bare.leg, null);
    assert.equal(bare.motion, 'unknown');
  });

  it('reads an empty snapshot, and a snapshot without a channel', () => {
    assert.deepEqual(parseLiveMessage('{"type":"snapshot","channel":"run","trains":[]}'), {
      type: 'snapshot',
      channel: 'run',
      trains: [],
    });
    const message = parseLiveMessage('{"type":"snapshot","trains":[]}');
    assert.ok(message && message.type === 'snapshot' && message.channel === '');
    assert.equal(parseLiveMessage('{"type":"snapshot"}'), null);
  });

  it('reads a train’s news, and leaves out news without a usable position', () => {
    const message = parseLiveMessage(JSON.stringify({ type: 'train', train: trainJson({ pk: 40.5 }) }));
    assert.ok(message && message.type === 'train');
    assert.equal(message.train.pk, 40.5);
    assert.equal(parseLiveMessage(JSON.stringify({ type: 'train', train: trainJson({ updatedAt: 'soon' }) })), null);
    assert.equal(parseLiveMessage('{"type":"train"}'), null);
  });

  it('reads a refusal; an unknown code is worth another try', () => {
    assert.deepEqual(parseLiveMessage('{"type":"error","code":"not-found","message":"No such booking of yours"}'), {
      type: 'error',
      code: 'not-found',
      message: 'No such booking of yours',
    });
    assert.deepEqual(parseLiveMessage('{"type":"error","code":"overloaded"}'), {
      type: 'error',
      code: 'unavailable',
      message: '',
    });
  });

  it('ignores what it cannot use', () => {
    for (const text of ['', 'not json', '[]', 'null', '42', '{"type":"hello"}', '{"trains":[]}']) {
      assert.equal(parseLiveMessage(text), null, text);
    }
    assert.equal(parseLiveMessage(new ArrayBuffer(4)), null);
    assert.equal(parseLiveMessage(undefined), null);
  });

  it('makes the socket’s address from the page’s', () => {
    assert.equal(liveSocketUrl({ protocol: 'https:', host: 'setrag.ga' }), 'wss://setrag.ga/api/v1/live');
    assert.equal(liveSocketUrl({ protocol: 'http:', host: '127.0.0.1:18900' }), 'ws://127.0.0.1:18900/api/v1/live');
  });
});

describe('the news merged', () => {
  const old = train({ updatedAt: at('15:00:00'), pk: 30 });
  const recent = train({ updatedAt: at('15:05:00'), pk: 33 });
  const other = train({ runId: 66, tripId: 66, trainNumber: 714, updatedAt: at('15:01:00') });

  it('keeps the newest position of each run', () => {
    assert.deepEqual(newestPerRun([old, other, recent]), [recent, other]);
    assert.deepEqual(newestPerRun([recent, old]), [recent]);
  });

  it('adds a new run’s train, replaces an older position, ignores an older one', () => {
    assert.deepEqual(applyUpdate(null, old), [old]);
    assert.deepEqual(applyUpdate([old, other], recent), [recent, other]);
    const list = [recent, other];
    assert.equal(applyUpdate(list, old), list); // unchanged: the same list
    assert.equal(applyUpdate(list, recent), list);
  });

  it('takes a snapshot as the state, keeping news that came before it and dropping runs that stopped', () => {
    // The news of 15:05 came before the snapshot, which was made from 15:00.
    assert.deepEqual(applySnapshot([other], [old], [recent]), [recent]);
    // A newer position already known stays.
    assert.deepEqual(applySnapshot([recent, other], [old, other]), [recent, other]);
    // A run absent from the snapshot has stopped running.
    assert.deepEqual(applySnapshot([recent, other], [recent]), [recent]);
    assert.deepEqual(applySnapshot(null, []), []);
  });

  it('moves a run’s latest position and delay, not its stops', () => {
    const known = run(trainJson({ updatedAt: at('15:00:00'), delayMinutes: 3 }));
    const moved = withLatest(known, train({ updatedAt: at('15:05:00'), delayMinutes: 12 }));
    assert.equal(moved.latest?.updatedAt, at('15:05:00'));
    assert.equal(moved.delayMinutes, 12);
    assert.equal(moved.stops, known.stops);
    assert.equal(withLatest(known, train({ updatedAt: at('14:59:00') })), known);
    assert.equal(withLatest(known, train({ runId: 66, updatedAt: at('15:05:00') })), known);
    assert.equal(withLatest(known, null), known);
    // A position without a delay keeps the run's.
    assert.equal(withLatest(known, train({ updatedAt: at('15:06:00'), delayMinutes: null })).delayMinutes, 3);
    // The first position of a run that had none.
    assert.equal(withLatest(run(null), recent).latest, recent);
  });

  it('merges the map’s list and a run the same way from answers and from the socket', () => {
    assert.deepEqual(trainsMerge.answer([recent, other], [old]), [recent]);
    assert.deepEqual(trainsMerge.update([other], recent), [other, recent]);
    const known = run(trainJson({ updatedAt: at('15:00:00') }));
    // An answer older than the news already shown keeps the news.
    const loaded = run(trainJson({ updatedAt: at('14:58:00') }), { delayMinutes: 1 });
    const answered = runMerge.answer(known, loaded);
    assert.equal(answered.latest?.updatedAt, at('15:00:00'));
    assert.equal(runMerge.snapshot(null, [recent], []), null);
    assert.equal(runMerge.snapshot(known, [other], [])?.latest?.updatedAt, at('15:00:00'));
    assert.equal(runMerge.snapshot(known, [old], [recent])?.latest?.updatedAt, at('15:05:00'));
    assert.equal(runMerge.update(null, recent), null);
  });

  it('knows a run without its stops is not whole', () => {
    assert.equal(runMerge.complete(run()), true);
    assert.equal(runMerge.complete(run(trainJson(), { stops: [] })), false);
    assert.equal(runMerge.complete(null), false);
    assert.equal(trainsMerge.complete(null), true);
  });
});

describe('reconnecting', () => {
  it('waits 1 s, 2 s, 5 s, 10 s, then 30 s', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 50].map((failures) => reconnectDelay(failures, 0.5)),
      [1_000, 2_000, 5_000, 10_000, 30_000, 30_000, 30_000],
    );
    assert.deepEqual(RECONNECT_STEPS_MS, [1_000, 2_000, 5_000, 10_000, 30_000]);
    assert.equal(reconnectDelay(0, 0.5), 1_000);
  });

  it('spreads the attempts by up to a fifth either way, never beyond 30 s', () => {
    assert.equal(reconnectDelay(1, 0), 800);
    assert.equal(reconnectDelay(1, 0.999_999), 1_200);
    assert.equal(reconnectDelay(3, 0), 4_000);
    assert.equal(reconnectDelay(5, 0), 24_000);
    assert.equal(reconnectDelay(5, 0.999), 30_000);
    assert.equal(reconnectDelay(2, 7), 2_400); // a random number out of range is clamped
  });
});

describe('the connection’s states', () => {
  function walk(events: ConnectionEvent['type'][], from: ConnectionState = INITIAL_CONNECTION) {
    let state = from;
    const effects: string[][] = [];
    for (const type of events) {
      const step = connectionStep(state, { type } as ConnectionEvent);
      state = step.state;
      effects.push(step.effects.map((e) => (e.type === 'retry-later' ? `retry-later:${e.failures}` : e.type)));
    }
    return { state, effects };
  }

  it('opens, subscribes once open, and is live with the snapshot', () => {
    const { state, effects } = walk(['start', 'opened', 'snapshot']);
    assert.deepEqual(state, { phase: 'live', failures: 0, fallback: false });
    assert.deepEqual(effects, [
      ['cancel-timers', 'open', 'watch-attempt'],
      ['subscribe'],
      ['cancel-timers', 'plan-resync'],
    ]);
  });

  it('after a failure waits longer each time, with polling meanwhile, and subscribes again once back', () => {
    const { state, effects } = walk(['start', 'opened', 'snapshot', 'closed', 'retry', 'closed', 'retry', 'timeout']);
    assert.deepEqual(state, { phase: 'waiting', failures: 3, fallback: true });
    assert.deepEqual(effects.slice(3), [
      ['cancel-timers', 'retry-later:1'],
      ['cancel-timers', 'open', 'watch-attempt'],
      ['cancel-timers', 'retry-later:2'],
      ['cancel-timers', 'open', 'watch-attempt'],
      ['cancel-timers', 'close', 'retry-later:3'],
    ]);
    const back = walk(['retry', 'opened', 'snapshot'], state);
    assert.deepEqual(back.state, { phase: 'live', failures: 0, fallback: false });
    assert.deepEqual(back.effects[1], ['subscribe']);
  });

  it('lets polling stand in when the first attempt is slow, without giving it up', () => {
    const { state, effects } = walk(['start', 'grace-over']);
    assert.deepEqual(state, { phase: 'connecting', failures: 0, fallback: true });
    assert.deepEqual(effects[1], []);
  });

  it('closes when hidden and starts afresh when shown', () => {
    const { state, effects } = walk(['start', 'opened', 'snapshot', 'closed', 'stop']);
    assert.deepEqual(state, INITIAL_CONNECTION);
    assert.deepEqual(effects[4], ['cancel-timers', 'close']);
    assert.deepEqual(walk(['start'], state).state, { phase: 'connecting', failures: 0, fallback: false });
  });

  it('gives the socket up for a refused subscription, but tries again after a server’s hiccup', () => {
    let step = connectionStep(walk(['start', 'opened']).state, { type: 'error', code: 'not-found' });
    assert.deepEqual(step.state, { phase: 'refused', failures: 0, fallback: true });
    assert.deepEqual(step.effects.map((e) => e.type), ['cancel-timers', 'close']);
    assert.deepEqual(walk(['retry', 'closed', 'online', 'resync'], step.state).state, step.state);
    step = connectionStep(walk(['start', 'opened', 'snapshot']).state, { type: 'error', code: 'unavailable' });
    assert.deepEqual(step.state, { phase: 'waiting', failures: 1, fallback: true });
  });

  it('polls only when the browser has no WebSocket', () => {
    const { state } = walk(['start', 'unsupported', 'retry', 'timeout']);
    assert.deepEqual(state, { phase: 'refused', failures: 0, fallback: true });
  });

  it('reconnects at once when the network comes back', () => {
    const waiting = walk(['start', 'closed']).state;
    const step = connectionStep(waiting, { type: 'online' });
    assert.equal(step.state.phase, 'connecting');
    assert.deepEqual(step.effects.map((e) => e.type), ['cancel-timers', 'open', 'watch-attempt']);
    const live = walk(['start', 'opened', 'snapshot']).state;
    assert.deepEqual(connectionStep(live, { type: 'online' }).effects.map((e) => e.type), [
      'close',
      'cancel-timers',
      'open',
      'watch-attempt',
    ]);
  });

  it('asks for a fresh snapshot while live, and ignores late events', () => {
    const live = walk(['start', 'opened', 'snapshot']).state;
    assert.deepEqual(connectionStep(live, { type: 'resync' }).effects.map((e) => e.type), ['subscribe', 'plan-resync']);
    for (const type of ['retry', 'timeout', 'grace-over', 'opened'] as const) {
      assert.deepEqual(connectionStep(live, { type }), { state: live, effects: [] }, type);
    }
    for (const type of ['opened', 'snapshot', 'closed', 'timeout', 'retry', 'resync', 'stop'] as const) {
      assert.deepEqual(connectionStep(INITIAL_CONNECTION, { type }).state, INITIAL_CONNECTION, type);
    }
  });
});

describe('when the HTTP read stands in', () => {
  const base = {
    visible: true,
    inFlight: false,
    settledAt: 1_000,
    failures: 0,
    now: 1_000,
    live: false,
    fallback: false,
    dirty: false,
    complete: true,
    refetchMs: null as number | null,
    intervalMs: 15_000,
    maxIntervalMs: 60_000,
  };

  it('reads nothing for the map while the socket is live or still connecting', () => {
    assert.equal(fetchDelay({ ...base, live: true, dirty: true }), null);
    assert.equal(fetchDelay({ ...base, settledAt: null }), null);
  });

  it('polls while the socket is down: at once the first time, then every interval, longer after failures', () => {
    const down = { ...base, fallback: true };
    assert.equal(fetchDelay({ ...down, settledAt: null }), 0);
    assert.equal(fetchDelay(down), 15_000);
    assert.equal(fetchDelay({ ...down, now: 10_000 }), 6_000);
    assert.equal(fetchDelay({ ...down, failures: 2 }), 30_000);
    assert.equal(fetchDelay({ ...down, failures: 9 }), 60_000);
  });

  it('reads a run at once, then after its news at most every 15 s', () => {
    const runState = { ...base, refetchMs: 15_000 };
    assert.equal(fetchDelay({ ...runState, settledAt: null, dirty: true }), 0);
    assert.equal(fetchDelay({ ...runState, live: true }), null); // no news
    assert.equal(fetchDelay({ ...runState, live: true, dirty: true }), 15_000);
    assert.equal(fetchDelay({ ...runState, live: true, dirty: true, now: 20_000 }), 0);
    assert.equal(fetchDelay({ ...runState, live: true, dirty: true, failures: 3 }), 60_000);
  });

  it('reads a run without live data or stops yet again within 5 s of its news, not a minute later', () => {
    const partial = { ...base, refetchMs: 60_000, live: true, complete: false };
    assert.equal(fetchDelay({ ...partial, dirty: false }), null);
    assert.equal(fetchDelay({ ...partial, dirty: true }), 5_000);
    assert.equal(fetchDelay({ ...partial, dirty: true, now: 30_000 }), 0);
    assert.equal(fetchDelay({ ...partial, dirty: true, failures: 1 }), 5_000); // the 404
    assert.equal(fetchDelay({ ...partial, dirty: true, failures: 3 }), 20_000);
    assert.equal(fetchDelay({ ...partial, complete: true, dirty: true }), 60_000);
  });

  it('reads nothing while hidden or while a read is on its way', () => {
    assert.equal(fetchDelay({ ...base, fallback: true, visible: false }), null);
    assert.equal(fetchDelay({ ...base, fallback: true, inFlight: true }), null);
  });
});

describe('a kilometre point', () => {
  it('is written to the hundred metres', () => {
    assert.equal(formatKm(52.34, 'fr'), '52,3');
    assert.equal(formatKm(52.36, 'en'), '52.4');
    assert.equal(formatKm(0, 'fr'), '0,0');
    assert.equal(formatKm(668.96, 'fr'), '669,0');
  });
});

/** A socket the test opens, feeds and closes by hand. */
class FakeSocket {
  sent: string[] = [];
  closed = false;
  constructor(private callbacks: SocketCallbacks) {}
  send(text: string) {
    if (this.closed) throw new Error('closed');
    this.sent.push(text);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.callbacks.onOpen();
  }
  receive(message: unknown) {
    this.callbacks.onMessage(typeof message === 'string' ? message : JSON.stringify(message));
  }
  /** The server or the network closed it. */
  drop() {
    this.closed = true;
    this.callbacks.onClose();
  }
}

/** A clock, timers, a page visibility and sockets the test moves by hand. */
class FakeLiveEnv implements LiveEnv {
  time = 0;
  visible = true;
  hasWebSocket = true;
  sockets: FakeSocket[] = [];
  private timers = new Map<number, { at: number; run: () => void }>();
  private nextId = 1;
  private visibility = new Set<() => void>();
  private online = new Set<() => void>();

  now = () => this.time;
  random = () => 0.5;
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
  openSocket = (callbacks: SocketCallbacks) => {
    if (!this.hasWebSocket) return null;
    const socket = new FakeSocket(callbacks);
    this.sockets.push(socket);
    return socket;
  };

  get socket(): FakeSocket {
    return this.sockets[this.sockets.length - 1];
  }

  get openSockets(): number {
    return this.sockets.filter((s) => !s.closed).length;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    for (const listener of this.visibility) listener();
  }

  comeOnline(): void {
    for (const listener of this.online) listener();
  }

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
function scriptedLoad<T>() {
  const calls: Array<{ answer: (result: ApiResult<T>) => void; signal: AbortSignal }> = [];
  const load = (signal: AbortSignal) =>
    new Promise<ApiResult<T>>((resolve) => {
      calls.push({ answer: resolve, signal });
    });
  return { calls, load };
}

const snapshotOf = (channel: string, trains: Record<string, unknown>[]) => ({ type: 'snapshot', channel, trains });
const news = (overrides: Record<string, unknown>) => ({ type: 'train', train: trainJson(overrides) });

function mapSource(env: FakeLiveEnv) {
  const { calls, load } = scriptedLoad<LiveTrain[]>();
  const source = createLiveSource(
    { subscription: { channel: 'trains' }, load, merge: trainsMerge, refetchMs: null, intervalMs: 15_000, maxIntervalMs: 60_000 },
    env,
  );
  return { calls, source };
}

describe('the live source', () => {
  it('subscribes once the socket is open, shows the snapshot, then the news, without asking over HTTP', async () => {
    const env = new FakeLiveEnv();
    const { calls, source } = mapSource(env);
    assert.equal(env.sockets.length, 0); // nobody listens yet
    let draws = 0;
    const stop = source.subscribe(() => (draws += 1));
    assert.equal(env.sockets.length, 1);
    env.socket.open();
    assert.deepEqual(env.socket.sent, ['{"subscribe":"trains"}']);
    env.time = 500;
    env.socket.receive(snapshotOf('trains', [trainJson()]));
    let snapshot = source.getSnapshot();
    assert.equal(snapshot.live, true);
    assert.equal(snapshot.receivedAt, 500);
    assert.deepEqual(snapshot.data?.map((t) => t.pk), [35]);

    // A burst of news is drawn once, within a second.
    const before = draws;
    env.socket.receive(news({ updatedAt: at('15:08:23'), pk: 35.5 }));
    env.socket.receive(news({ updatedAt: at('15:08:28'), pk: 36 }));
    env.socket.receive(news({ runId: 1, tripId: 1, trainNumber: 714, updatedAt: at('15:08:28') }));
    env.socket.receive(news({ updatedAt: at('15:08:20'), pk: 35.2 })); // older: ignored
    assert.equal(draws, before);
    await env.advance(DRAW_EVERY_MS);
    assert.equal(draws, before + 1);
    snapshot = source.getSnapshot();
    assert.deepEqual(snapshot.data?.map((t) => [t.runId, t.pk]), [
      [65, 36],
      [1, 35],
    ]);
    await env.advance(10 * 60_000);
    assert.equal(calls.length, 0);
    stop();
    assert.equal(env.openSockets, 0);
  });

  it('keeps news that comes before the snapshot', async () => {
    const env = new FakeLiveEnv();
    const { source } = mapSource(env);
    const stop = source.subscribe(() => undefined);
    env.socket.open();
    env.socket.receive(news({ updatedAt: at('15:09:00'), pk: 37 }));
    env.socket.receive(snapshotOf('trains', [trainJson({ updatedAt: at('15:08:18'), pk: 35 })]));
    assert.deepEqual(source.getSnapshot().data?.map((t) => t.pk), [37]);
    stop();
  });

  it('polls while the socket is down, reconnects after 1 s, 2 s, 5 s…, and stops polling once live again', async () => {
    const env = new FakeLiveEnv();
    const { calls, source } = mapSource(env);
    const stop = source.subscribe(() => undefined);
    env.socket.open();
    env.socket.receive(snapshotOf('trains', [trainJson()]));
    env.socket.drop();
    assert.equal(source.getSnapshot().live, false);
    await env.advance(0);
    assert.equal(calls.length, 1); // polling stands in at once
    calls[0].answer({ ok: true, status: 200, data: [train({ updatedAt: at('15:09:00') })] });
    await env.advance(999);
    assert.equal(env.sockets.length, 1);
    await env.advance(1);
    assert.equal(env.sockets.length, 2); // after 1 s
    env.socket.drop();
    await env.advance(1_999);
    assert.equal(env.sockets.length, 2);
    await env.advance(1);
    assert.equal(env.sockets.length, 3); // after 2 s
    env.socket.drop();
    await env.advance(5_000);
    assert.equal(env.sockets.length, 4); // after 5 s
    await env.advance(15_000 - 8_000);
    assert.equal(calls.length, 2); // still polling every 15 s
    calls[1].answer({ ok: true, status: 200, data: [] });
    // This attempt works: subscribed again, live, no more polling.
    env.socket.open();
    assert.deepEqual(env.socket.sent, ['{"subscribe":"trains"}']);
    env.socket.receive(snapshotOf('trains', [trainJson({ updatedAt: at('15:10:00') })]));
    assert.equal(source.getSnapshot().live, true);
    await env.advance(120_000);
    assert.equal(calls.length, 2);
    stop();
  });

  it('gives up an attempt that brings no snapshot, polling after a grace', async () => {
    const env = new FakeLiveEnv();
    const { calls, source } = mapSource(env);
    const stop = source.subscribe(() => undefined);
    env.socket.open();
    await env.advance(GRACE_MS - 1);
    assert.equal(calls.length, 0);
    await env.advance(1);
    assert.equal(calls.length, 1);
    calls[0].answer({ ok: true, status: 200, data: [train()] });
    await env.advance(CONNECT_TIMEOUT_MS - GRACE_MS);
    assert.equal(env.sockets[0].closed, true);
    await env.advance(1_000);
    assert.equal(env.sockets.length, 2);
    stop();
  });

  it('closes the socket while the page is hidden and subscribes again when shown', async () => {
    const env = new FakeLiveEnv();
    const { calls, source } = mapSource(env);
    const stop = source.subscribe(() => undefined);
    env.socket.open();
    env.socket.receive(snapshotOf('trains', [trainJson()]));
    env.setVisible(false);
    assert.equal(env.openSockets, 0);
    assert.equal(source.getSnapshot().live, false);
    await env.advance(10 * 60_000);
    assert.equal(env.sockets.length, 1);
    assert.equal(calls.length, 0);
    env.setVisible(true);
    assert.equal(env.sockets.length, 2);
    env.socket.open();
    assert.deepEqual(env.socket.sent, ['{"subscribe":"trains"}']);
    // The socket of before says nothing any more.
    env.sockets[0].receive(news({ updatedAt: at('16:00:00'), pk: 99 }));
    env.socket.receive(snapshotOf('trains', []));
    assert.deepEqual(source.getSnapshot().data, []);
    stop();
  });

  it('asks for a fresh snapshot every few minutes while live', async () => {
    const env = new FakeLiveEnv();
    const { source } = mapSource(env);
    const stop = source.subscribe(() => undefined);
    env.socket.open();
    env.socket.receive(snapshotOf('trains', [trainJson()]));
    await env.advance(RESYNC_MS);
    assert.equal(env.socket.sent.length, 2);
    env.socket.receive(snapshotOf('trains', []));
    assert.deepEqual(source.getSnapshot().data, []); // the train stopped running
    stop();
  });

  it('reconnects at once when the network comes back', async () => {
    const env = new FakeLiveEnv();
    const { calls, source } = mapSource(env);
    const stop = source.subscribe(() => undefined);
    env.socket.drop();
    await env.advance(0);
    assert.equal(calls.length, 1);
    calls[0].answer({ ok: false, error: { kind: 'network' } });
    await env.advance(10);
    env.comeOnline();
    assert.equal(env.sockets.length, 2);
    await env.advance(0);
    assert.equal(calls.length, 2);
    stop();
  });

  it('polls only, for good, when the browser has no WebSocket', async () => {
    const env = new FakeLiveEnv();
    env.hasWebSocket = false;
    const { calls, source } = mapSource(env);
    const stop = source.subscribe(() => undefined);
    await env.advance(0);
    assert.equal(calls.length, 1);
    calls[0].answer({ ok: true, status: 200, data: [train()] });
    await env.advance(15_000);
    assert.equal(calls.length, 2);
    assert.equal(source.getSnapshot().live, false);
    stop();
  });
});

describe('a run’s live source', () => {
  function runSource(env: FakeLiveEnv, subscription: { channel: 'run'; runId: number } | { channel: 'booking'; pnr: string }) {
    const { calls, load } = scriptedLoad<TrainRun>();
    const source = createLiveSource(
      { subscription, load, merge: runMerge, refetchMs: 15_000, intervalMs: 15_000, maxIntervalMs: 60_000 },
      env,
    );
    return { calls, source };
  }

  it('reads the stops at once, moves the train with its news, and reads them again at most every 15 s', async () => {
    const env = new FakeLiveEnv();
    const { calls, source } = runSource(env, { channel: 'run', runId: 65 });
    const stop = source.subscribe(() => undefined);
    await env.advance(0);
    assert.equal(calls.length, 1);
    env.socket.open();
    assert.deepEqual(env.socket.sent, ['{"subscribe":"run","runId":65}']);
    env.socket.receive(snapshotOf('run', [trainJson()]));
    calls[0].answer({ ok: true, status: 200, data: run() });
    await env.advance(0);
    assert.equal(source.getSnapshot().data?.stops.length, 2);
    assert.equal(source.getSnapshot().live, true);
    await env.advance(60_000);
    assert.equal(calls.length, 1); // no news: nothing to read
    env.socket.receive(news({ updatedAt: at('15:09:00'), delayMinutes: 9 }));
    await env.advance(DRAW_EVERY_MS);
    assert.equal(source.getSnapshot().data?.delayMinutes, 9);
    await env.advance(0);
    assert.equal(calls.length, 2); // the last read is old: at once
    calls[1].answer({ ok: true, status: 200, data: run(trainJson({ updatedAt: at('15:09:00'), delayMinutes: 9 })) });
    env.socket.receive(news({ updatedAt: at('15:09:05') }));
    env.socket.receive(news({ updatedAt: at('15:09:10') }));
    await env.advance(14_999);
    assert.equal(calls.length, 2);
    await env.advance(1);
    assert.equal(calls.length, 3);
    stop();
  });

  it('says there is no live data yet, and reads again when the run’s first news comes', async () => {
    const env = new FakeLiveEnv();
    const { calls, source } = runSource(env, { channel: 'run', runId: 65 });
    const stop = source.subscribe(() => undefined);
    env.socket.open();
    env.socket.receive(snapshotOf('run', []));
    await env.advance(0);
    calls[0].answer({ ok: false, error: { kind: 'problem', status: 404, problem: { type: 'about:blank', title: 'Not Found', status: 404 } } });
    await env.advance(0);
    const snapshot = source.getSnapshot();
    assert.equal(snapshot.data, null);
    assert.equal(snapshot.error?.kind === 'problem' && snapshot.error.status, 404);
    await env.advance(60_000);
    assert.equal(calls.length, 1);
    env.socket.receive(news({}));
    await env.advance(0);
    assert.equal(calls.length, 2); // the 404 was long ago: at once
    stop();
  });

  it('reads a run again soon while tracking does not have its stops yet, then a minute apart', async () => {
    const env = new FakeLiveEnv();
    const { calls, load } = scriptedLoad<TrainRun>();
    const source = createLiveSource(
      {
        subscription: { channel: 'booking', pnr: 'K7Q2ZB' },
        load,
        merge: runMerge,
        refetchMs: 60_000,
        intervalMs: 60_000,
        maxIntervalMs: 300_000,
      },
      env,
    );
    const stop = source.subscribe(() => undefined);
    await env.advance(0);
    env.socket.open();
    env.socket.receive(snapshotOf('booking', [trainJson()]));
    calls[0].answer({ ok: true, status: 200, data: run(trainJson(), { stops: [] }) });
    await env.advance(0);
    assert.equal(source.getSnapshot().data?.stops.length, 0);
    env.socket.receive(news({ updatedAt: at('15:09:00') }));
    await env.advance(4_999);
    assert.equal(calls.length, 1);
    await env.advance(1);
    assert.equal(calls.length, 2);
    calls[1].answer({ ok: true, status: 200, data: run(trainJson({ updatedAt: at('15:09:00') })) });
    await env.advance(0);
    env.socket.receive(news({ updatedAt: at('15:09:05') }));
    await env.advance(59_000);
    assert.equal(calls.length, 2); // whole now: a minute between reads
    await env.advance(1_000);
    assert.equal(calls.length, 3);
    stop();
  });

  it('follows a booking’s train; refused, it polls instead and does not reconnect', async () => {
    const env = new FakeLiveEnv();
    const { calls, source } = runSource(env, { channel: 'booking', pnr: 'K7Q2ZB' });
    const stop = source.subscribe(() => undefined);
    await env.advance(0);
    env.socket.open();
    assert.deepEqual(env.socket.sent, ['{"subscribe":"booking","pnr":"K7Q2ZB"}']);
    calls[0].answer({ ok: true, status: 200, data: run() });
    env.socket.receive({ type: 'error', code: 'unauthorized', message: 'Sign in to follow the train of a booking' });
    assert.equal(env.socket.closed, true);
    await env.advance(15_000);
    assert.equal(calls.length, 2);
    assert.equal(env.sockets.length, 1);
    assert.equal(source.getSnapshot().live, false);
    stop();
  });
});
