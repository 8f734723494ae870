// A poison event (one the upcasters fail on) never fails a read, against real PostgreSQL and
// gRPC: ReadAll, ReadStream and Subscribe return it as stored, flagged with upcast_error, or leave
// it out when asked; an append the upcasters cannot read is refused and writes nothing; the
// quarantine records, counts and lists what feature views went on without; and a live view goes
// on past a poison event (Predict's live features keep answering).
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, type EventStore } from '../../eventstore/eventStore.js';
import { ValidationError } from '../../eventstore/errors.js';
import { createClient } from '../../eventstore/pool.js';
import { defineUpcasters } from '../../eventstore/upcasting/upcasters.js';
import type { RecordedEvent, SubscribeResponse } from '../../gen/hindsight/v1/eventstore.js';
import { snapshotStreams } from '../../activities/operations/snapshots.js';
import { createAggregateRegistry, defineAggregate } from '../../eventstore/aggregates/aggregate.js';
import { UpcastError } from '../../eventstore/upcasting/upcastError.js';
import { defineFeatureView } from '../../ml/featureView.js';
import { createLiveFeatures } from '../../serving/liveFeatures.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { readAllPages, startTestServer, type TestServer } from '../support/grpcServer.js';
import { newEvent } from '../support/events.js';
import { rejectionOf, rejectionWith, sleep, waitFor } from '../support/wait.js';

/** v1 `{ reason: text }` → v2 `{ reason: { text } }`; a reason that is no text cannot be read. */
const upcasters = defineUpcasters({
  Blocked: {
    1: (data) => {
      if (typeof data.reason !== 'string') throw new Error('a v1 reason is text');
      return { ...data, reason: { text: data.reason } };
    },
  },
});

const POISON = { type: 'Blocked', schemaVersion: 1, data: { order: 'relx', reason: 42 } };
const decode = (event: RecordedEvent): unknown =>
  JSON.parse(Buffer.from(event.data).toString('utf8'));

let db: TestDatabase;
/** The store of the server that knows the upcasters (db.store is an older one without them). */
let store: EventStore;
let server: TestServer;
let poisonPosition: number;

beforeAll(async () => {
  db = await createTestDatabase();
  store = createEventStore({
    pool: db.pool,
    listenClient: () => createClient(db.url, 'poison-listen'),
    upcasters,
  });
  server = await startTestServer(store);
  await db.store.append('order-ok', [
    { type: 'Blocked', schemaVersion: 1, data: { order: 'ok', reason: 'parts' } },
  ]);
  // An older server, without the upcaster, let it in.
  const written = await db.store.append('order-relx', [POISON]);
  poisonPosition = written.globalPositions[0] ?? 0;
  await db.store.append('order-ok', [
    { type: 'Blocked', schemaVersion: 2, data: { order: 'ok', reason: { text: 'access' } } },
  ]);
});

afterAll(async () => {
  await server?.stop();
  await store?.close();
  await db?.drop();
});

const readAll = async (skipUpcastFailures: boolean): Promise<RecordedEvent[]> =>
  (await readAllPages(server.client, { skipUpcastFailures })).flatMap((page) => page.events);

describe('reads with a poison event in the log', () => {
  it('ReadAll returns it as stored, at its stored version, flagged; the others upcast', async () => {
    const events = await readAll(false);
    expect(events.map((e) => [e.streamId, e.schemaVersion])).toEqual([
      ['order-ok', 2],
      ['order-relx', 1],
      ['order-ok', 2],
    ]);
    const poison = events[1] as RecordedEvent;
    expect(decode(poison)).toEqual(POISON.data);
    expect(poison.upcastError).toMatch(
      /^the upcaster of Blocked from v1 to v2 failed on event .* \(Blocked in stream 'order-relx'\): a v1 reason is text$/,
    );
    expect(events[0]?.upcastError).toBe('');
    expect(decode(events[0] as RecordedEvent)).toEqual({ order: 'ok', reason: { text: 'parts' } });
  });

  it('ReadAll leaves it out when asked to', async () => {
    const events = await readAll(true);
    expect(events.map((e) => e.streamId)).toEqual(['order-ok', 'order-ok']);
  });

  it("ReadStream of the poison event's stream returns it flagged, or nothing when skipping", async () => {
    const flagged = await server.calls.readStream({
      streamId: 'order-relx',
      direction: 0,
      fromVersion: 0,
      limit: 0,
    });
    expect(flagged.events).toHaveLength(1);
    expect(flagged.events[0]?.upcastError).toContain('a v1 reason is text');
    expect(flagged.events[0]?.schemaVersion).toBe(1);
    const skipped = await server.calls.readStream({
      streamId: 'order-relx',
      direction: 0,
      fromVersion: 0,
      limit: 0,
      skipUpcastFailures: true,
    });
    expect(skipped).toMatchObject({ events: [], streamVersion: 1 });
  });

  it('an unfiltered Subscribe catches up past it and stays live', async () => {
    const received = async (skipUpcastFailures: boolean) => {
      const call: ClientReadableStream<SubscribeResponse> = server.client.subscribe({
        start: { $case: 'after', after: { transactionId: 0, globalPosition: 0 } },
        eventTypes: [],
        categories: [],
        skipUpcastFailures,
      });
      const events: RecordedEvent[] = [];
      let caughtUp = false;
      call.on('data', (response: SubscribeResponse) => {
        if (response.message?.$case === 'events') events.push(...response.message.events.events);
        if (response.message?.$case === 'caughtUp') caughtUp = true;
      });
      call.on('error', () => undefined);
      await waitFor(() => caughtUp, 10_000, 'the subscription to catch up');
      // Live past it: an append after catching up arrives.
      const live = `order-live-${String(skipUpcastFailures)}`;
      await store.append(live, [{ type: 'Noted', data: { live: true } }]);
      await waitFor(() => events.some((e) => e.streamId === live), 10_000, 'a live event');
      call.cancel();
      return events.filter((e) => !e.streamId.startsWith('order-live-'));
    };
    const all = await received(false);
    expect(all.map((e) => e.globalPosition)).toContain(poisonPosition);
    expect(all.find((e) => e.globalPosition === poisonPosition)?.upcastError).not.toBe('');
    const skipping = await received(true);
    expect(skipping.map((e) => e.streamId)).toEqual(['order-ok', 'order-ok']);
  });
});

describe('appends the upcasters cannot read', () => {
  it('are refused with INVALID_ARGUMENT, and nothing is written', async () => {
    const before = await db.snapshot();
    const error = await rejectionOf(
      server.calls.append({
        streamId: 'order-new',
        events: [newEvent('Blocked', { order: 'new', reason: 42 }, { schemaVersion: 1 })],
        expected: undefined,
      }),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(
      /^events\[0\]\.data: the upcasters cannot read this Blocked of schema version 1.*a v1 reason is text$/,
    );
    const direct = await rejectionWith(
      ValidationError,
      store.append('order-new', [{ ...POISON, data: { reason: 42 } }]),
    );
    expect(direct.field).toBe('events[0].data');
    expect(await db.snapshot()).toBe(before);
    // What the chain reads is accepted, at any version.
    await store.append('order-new', [{ ...POISON, data: { reason: 'parts' } }]);
  });
});

describe('the quarantine', () => {
  const key = { view: 'poison_view', codeHash: 'code-1', upcastersHash: upcasters.codeHash };
  const record = (globalPosition: number, transactionId: number) => ({
    eventId: '0190d4a0-0000-7000-8000-00000000000' + String(globalPosition % 10),
    streamId: 'order-relx',
    type: 'Blocked',
    schemaVersion: 1,
    position: { transactionId, globalPosition },
    stage: 'upcast' as const,
    reason: 'a v1 reason is text',
  });

  it('records each event once per view code, counts below a cut and lists newest first', async () => {
    expect(await store.quarantine.record(key, [record(1, 100), record(2, 200)])).toBe(2);
    // A retried batch, or a live follower of the same code, records nothing twice.
    expect(await store.quarantine.record(key, [record(2, 200)])).toBe(0);
    await store.quarantine.record({ ...key, codeHash: 'code-2' }, [record(2, 200)]);
    expect(await store.quarantine.count(key, 200)).toBe(1);
    expect(await store.quarantine.count(key, 201)).toBe(2);
    const listed = await server.calls.listQuarantinedEvents({ viewName: 'poison_view', limit: 0 });
    expect(listed.events).toHaveLength(3);
    expect(listed.events[0]).toMatchObject({
      viewName: 'poison_view',
      streamId: 'order-relx',
      type: 'Blocked',
      schemaVersion: 1,
      stage: 'upcast',
      reason: 'a v1 reason is text',
    });
    const none = await server.calls.listQuarantinedEvents({ viewName: 'other_view', limit: 0 });
    expect(none.events).toEqual([]);
    const badLimit = await rejectionOf(
      server.calls.listQuarantinedEvents({ viewName: '', limit: 5000 }),
    );
    expect(badLimit.code).toBe(status.INVALID_ARGUMENT);
  });
});

describe('a live view past a poison event', () => {
  /** Counts each order's Blocked events; throws on an order named 'throws'. */
  const blockedView = defineFeatureView<{ counts: Map<string, number> }>({
    name: 'live_blocked',
    version: 1,
    featureNames: ['blocked'],
    eventTypes: ['Blocked'],
    initialState: () => ({ counts: new Map() }),
    apply: (state, event) => {
      const order = String(event.data.order);
      if (order === 'throws') throw new Error('the reducer cannot take this one');
      const reason = event.data.reason as { text?: unknown };
      if (typeof reason.text !== 'string') throw new Error('a reason has a text');
      state.counts.set(order, (state.counts.get(order) ?? 0) + 1);
    },
    featuresNow: (state, entityId) => {
      const blocked = state.counts.get(entityId);
      return blocked === undefined ? null : { blocked };
    },
  });

  it('quarantines it (and an event its reducer throws on) and keeps answering', async () => {
    const errors: unknown[] = [];
    const live = await createLiveFeatures({
      store,
      view: blockedView,
      onError: (error) => errors.push(error),
    });
    try {
      await db.store.append('order-throws', [
        { type: 'Blocked', schemaVersion: 2, data: { order: 'throws', reason: { text: 'x' } } },
      ]);
      await store.append('order-ok', [
        { type: 'Blocked', schemaVersion: 2, data: { order: 'ok', reason: { text: 'late' } } },
      ]);
      const now = await live.featuresNow('ok');
      expect(now.features).toEqual({ blocked: 3 });
      // The follower records its quarantine in the background.
      let quarantined = await store.quarantine.list({ view: 'live_blocked' });
      for (let i = 0; quarantined.length < 2 && i < 100; i += 1) {
        await sleep(50);
        quarantined = await store.quarantine.list({ view: 'live_blocked' });
      }
      expect(quarantined.map((q) => [q.streamId, q.stage]).sort()).toEqual([
        ['order-relx', 'upcast'],
        ['order-throws', 'apply'],
      ]);
      expect(quarantined.find((q) => q.stage === 'apply')?.reason).toContain(
        'the reducer cannot take this one',
      );
      expect(errors).toEqual([]);
    } finally {
      await live.close();
    }
  });
});

describe('snapshots past a poison event', () => {
  const orders = defineAggregate<{ blocked: number }>({
    type: 'order',
    category: 'order',
    stateSchemaVersion: 1,
    initialState: () => ({ blocked: 0 }),
    evolve: (state) => ({ blocked: state.blocked + 1 }),
    policy: { everyEvents: 1 },
  });

  it('loading its stream still fails, and a snapshot run goes on to the other streams', async () => {
    // An aggregate never skips an event: its state would be wrong, and a snapshot would keep it.
    await rejectionWith(UpcastError, store.loadAggregate(orders, 'order-relx'));
    const result = await snapshotStreams(
      { store, aggregates: createAggregateRegistry([orders]) },
      { aggregateType: 'order', after: null, pageSize: 100, maxStreams: 1000 },
    );
    expect(result).toMatchObject({ unreadable: 1, done: true });
    expect(result.written).toBe(result.due - 1);
    const loaded = await store.loadAggregate(orders, 'order-ok');
    expect(loaded.snapshotVersion).toBe(loaded.version);
  });
});
