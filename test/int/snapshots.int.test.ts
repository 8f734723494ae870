// Acceptance: loading an aggregate from its latest valid snapshot plus the events after it gives
// the same state as replaying the stream from the start, for any stream and any snapshot points;
// snapshots of other reducer code or state schemas are never used. And every read upcasts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUpcasters } from '../../examples/work-orders/src/demoUpcasters.js';
import { workOrderAggregate } from '../../examples/work-orders/src/workOrderAggregate.js';
import {
  defineAggregate,
  type Aggregate,
  type AggregateDefinition,
} from '../../eventstore/aggregates/aggregate.js';
import { writeSnapshot } from '../../eventstore/aggregates/snapshots.js';
import { NotFoundError, ValidationError } from '../../eventstore/errors.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { stateToJson } from '../../eventstore/stateJson.js';
import { canonicalJson } from '../../eventstore/upcasting/canonicalJson.js';
import {
  START,
  type JsonObject,
  type NewEvent,
  type RecordedEvent,
  type StoredEvent,
} from '../../eventstore/types.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rejectionWith, sleep, waitFor } from '../support/wait.js';

/** mulberry32: a small seeded generator, so every run draws the same cases. */
const mulberry32 = (seed: number) => () => {
  let t = (seed = (seed + 0x6d2b79f5) | 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

// A ledger: balances in a Map (with account names a plain object would get wrong), tags in a
// Set, and a running hash over every event in order, so a wrong order or a missed or repeated
// event changes the state.
interface LedgerState {
  balances: Map<string, number>;
  tags: Set<string>;
  trail: string;
  recent: string[];
}

const fnv1a = (text: string): string => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
};

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

const evolveLedger = (state: LedgerState, event: RecordedEvent): LedgerState => {
  const account = textOf(event.data.account);
  const amount = Number(event.data.amount ?? 0);
  switch (event.type) {
    case 'Deposited':
      state.balances.set(account, (state.balances.get(account) ?? 0) + amount);
      break;
    case 'Withdrawn':
      state.balances.set(account, (state.balances.get(account) ?? 0) - amount);
      break;
    case 'Tagged':
      state.tags.add(textOf(event.data.tag));
      break;
    case 'Closed':
      state.balances.delete(account);
      break;
  }
  const line = `${event.streamVersion}:${event.type}:${account}:${amount}:${textOf(event.data.tag)}`;
  state.trail = fnv1a(`${state.trail}|${line}`);
  state.recent = [...state.recent, line].slice(-4);
  return state;
};

// The same ledger by other code: its trail also hashes the type in upper case.
const evolveLedgerLoud = (state: LedgerState, event: RecordedEvent): LedgerState => {
  const next = evolveLedger(state, event);
  next.trail = fnv1a(`${next.trail}|${event.type.toUpperCase()}`);
  return next;
};

const ledgerDefinition = (
  overrides: Partial<AggregateDefinition<LedgerState>> = {},
): AggregateDefinition<LedgerState> => ({
  type: 'ledger',
  category: 'ledger',
  stateSchemaVersion: 1,
  initialState: () => ({ balances: new Map(), tags: new Set(), trail: '', recent: [] }),
  evolve: evolveLedger,
  policy: { everyEvents: 5 },
  code: [fnv1a, textOf],
  ...overrides,
});

const ledger = (overrides: Partial<AggregateDefinition<LedgerState>> = {}): Aggregate =>
  defineAggregate(ledgerDefinition(overrides)) as unknown as Aggregate;

const ACCOUNTS = ['cash', 'bank', '__proto__', 'toString', 'savings'];
const TAGS = ['audited', 'frozen', 'vip'];

const randomEvent = (next: () => number): NewEvent => {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const roll = next();
  const account = pick(ACCOUNTS);
  const amount = 1 + Math.floor(next() * 500);
  if (roll < 0.45) return { type: 'Deposited', data: { account, amount } };
  if (roll < 0.75) return { type: 'Withdrawn', data: { account, amount } };
  if (roll < 0.85) return { type: 'Tagged', data: { tag: pick(TAGS) } };
  if (roll < 0.93) return { type: 'Closed', data: { account } };
  return { type: 'Noted', data: { account, amount, text: 'ignored by the ledger' } };
};

/**
 * The state as snapshot JSON with object keys sorted: strict about values and the order of Map
 * and Set entries, not about the order of object keys, which a jsonb snapshot does not keep.
 */
const stateText = (state: unknown): string => canonicalJson(JSON.parse(stateToJson(state)));

/** Folds events in memory, as the aggregate would, with no database involved. */
const foldInMemory = (aggregate: Aggregate, events: readonly NewEvent[]): unknown =>
  events.reduce(
    (state, event, index) =>
      aggregate.evolve(state, {
        streamVersion: index + 1,
        type: event.type,
        data: event.data ?? {},
      } as RecordedEvent),
    aggregate.initialState(),
  );

const appendN = async (store: EventStore, streamId: string, n: number, seed: number) => {
  const next = mulberry32(seed);
  const events = Array.from({ length: n }, () => randomEvent(next));
  await store.append(streamId, events);
  return events;
};

describe('aggregate snapshots', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('loads the same state from any snapshot as from a full replay and an in-memory fold', async () => {
    const aggregate = ledger();
    const cases = 60;
    let fromSnapshotWithTail = 0;
    let withoutSnapshot = 0;
    for (let c = 0; c < cases; c++) {
      const next = mulberry32(0x5eed + c);
      const streamId = `ledger-${String(c).padStart(3, '0')}`;
      const appended: NewEvent[] = [];
      let snapshotVersion: number | null = null;
      const batches = 1 + Math.floor(next() * 7);
      for (let b = 0; b < batches; b++) {
        const size = 1 + Math.floor(next() * 6);
        appended.push(...Array.from({ length: size }, () => randomEvent(next)));
        await db.store.append(streamId, appended.slice(-size));
        const version = appended.length;

        if (next() < 0.4) {
          const taken = await db.store.snapshots.take(aggregate, streamId);
          expect(taken).toEqual({
            streamId,
            version,
            written: snapshotVersion !== version,
            eventsReplayed: version - (snapshotVersion ?? 0),
          });
          snapshotVersion = version;
          if (next() < 0.3) {
            const again = await db.store.snapshots.take(aggregate, streamId);
            expect(again).toMatchObject({ version, written: false, eventsReplayed: 0 });
          }
        }
        if (next() < 0.3) {
          const midway = await db.store.loadAggregate(aggregate, streamId);
          expect(stateText(midway.state)).toBe(stateText(foldInMemory(aggregate, appended)));
          expect(midway.snapshotVersion).toBe(snapshotVersion);
        }
      }

      const total = appended.length;
      const loaded = await db.store.loadAggregate(aggregate, streamId);
      const replayed = await db.store.loadAggregate(aggregate, streamId, { useSnapshot: false });
      const inMemory = foldInMemory(aggregate, appended);
      // The JSON text also pins the order of Map and Set entries, which toEqual does not.
      expect(stateText(loaded.state)).toBe(stateText(inMemory));
      expect(stateText(replayed.state)).toBe(stateText(inMemory));
      expect(loaded.state).toEqual(inMemory);
      expect(loaded.state).toEqual(replayed.state);
      expect((loaded.state as LedgerState).balances).toBeInstanceOf(Map);
      expect((loaded.state as LedgerState).tags).toBeInstanceOf(Set);
      expect(loaded).toMatchObject({
        version: total,
        snapshotVersion,
        eventsReplayed: total - (snapshotVersion ?? 0),
      });
      expect(replayed).toMatchObject({
        version: total,
        snapshotVersion: null,
        eventsReplayed: total,
      });
      if (snapshotVersion === null) withoutSnapshot += 1;
      else if (snapshotVersion < total) fromSnapshotWithTail += 1;
    }
    // The cases cover both kinds of load, and loads that start from a snapshot and replay a tail.
    expect(fromSnapshotWithTail).toBeGreaterThanOrEqual(10);
    expect(withoutSnapshot).toBeGreaterThanOrEqual(5);
    const stats = await db.store.snapshots.stats(aggregate);
    expect(stats.streams).toBe(cases);
    expect(stats.snapshotted).toBe(cases - withoutSnapshot);
  });

  it('ignores snapshots of other reducer code or state schema, and prunes them', async () => {
    const original = ledger({ type: 'audit', category: 'audit' });
    const loud = ledger({ type: 'audit', category: 'audit', evolve: evolveLedgerLoud });
    const reshaped = ledger({ type: 'audit', category: 'audit', stateSchemaVersion: 2 });
    expect(new Set([original.codeHash, loud.codeHash, reshaped.codeHash]).size).toBe(3);

    const history = new Map<string, NewEvent[]>();
    for (const [i, streamId] of ['audit-1', 'audit-2', 'audit-3'].entries()) {
      history.set(streamId, await appendN(db.store, streamId, 12 + i, 100 + i));
    }
    await db.store.snapshots.take(original, 'audit-1');
    await db.store.snapshots.take(original, 'audit-2');
    const tail = await appendN(db.store, 'audit-1', 3, 200);
    history.get('audit-1')!.push(...tail);
    const audit1 = history.get('audit-1')!;

    // Other code: the old snapshot is not used, and the state is the new code's own.
    const viaLoud = await db.store.loadAggregate(loud, 'audit-1');
    expect(viaLoud).toMatchObject({ version: 15, snapshotVersion: null, eventsReplayed: 15 });
    expect(stateText(viaLoud.state)).toBe(stateText(foldInMemory(loud, audit1)));
    expect(stateText(viaLoud.state)).not.toBe(stateText(foldInMemory(original, audit1)));
    expect(await db.store.snapshots.stats(loud)).toMatchObject({
      streams: 3,
      snapshotted: 0,
      stale: 2,
    });

    const taken = await db.store.snapshots.take(loud, 'audit-1');
    expect(taken).toMatchObject({ version: 15, written: true, eventsReplayed: 15 });
    expect(await db.store.loadAggregate(loud, 'audit-1')).toMatchObject({
      snapshotVersion: 15,
      eventsReplayed: 0,
    });
    // Both codes' snapshots live side by side until one is pruned.
    expect(await db.store.loadAggregate(original, 'audit-1')).toMatchObject({
      snapshotVersion: 12,
      eventsReplayed: 3,
    });
    expect(await db.store.snapshots.stats(original)).toMatchObject({ snapshotted: 2, stale: 1 });
    expect(await db.store.snapshots.stats(loud)).toMatchObject({ snapshotted: 1, stale: 2 });

    expect(await db.store.snapshots.prune(loud)).toBe(2);
    expect(await db.store.snapshots.prune(loud)).toBe(0);
    expect(await db.store.snapshots.stats(loud)).toMatchObject({ snapshotted: 1, stale: 0 });
    const { rows } = await db.pool.query<{ code_hash: string }>(
      `select code_hash from hindsight.snapshots where aggregate_type = 'audit'`,
    );
    expect(rows.map((r) => r.code_hash)).toEqual([loud.codeHash]);
    const afterPrune = await db.store.loadAggregate(original, 'audit-1');
    expect(afterPrune).toMatchObject({ snapshotVersion: null, eventsReplayed: 15 });
    expect(stateText(afterPrune.state)).toBe(stateText(foldInMemory(original, audit1)));

    // A bumped state schema version: the same story.
    const viaReshaped = await db.store.loadAggregate(reshaped, 'audit-1');
    expect(viaReshaped).toMatchObject({ snapshotVersion: null, eventsReplayed: 15 });
    expect(stateText(viaReshaped.state)).toBe(stateText(foldInMemory(reshaped, audit1)));
    expect(await db.store.snapshots.take(reshaped, 'audit-2')).toMatchObject({
      version: 13,
      written: true,
      eventsReplayed: 13,
    });
    expect(await db.store.snapshots.stats(reshaped)).toMatchObject({ snapshotted: 1, stale: 1 });
    expect(await db.store.snapshots.prune(reshaped)).toBe(1);
    expect(await db.store.loadAggregate(loud, 'audit-1')).toMatchObject({ snapshotVersion: null });
    expect(await db.store.loadAggregate(reshaped, 'audit-2')).toMatchObject({
      snapshotVersion: 13,
      eventsReplayed: 0,
    });
  });

  it('keys snapshots by the state schema version itself, not only through the code hash', async () => {
    const aggregate = ledger({ type: 'keyed', category: 'keyed' });
    const events = await appendN(db.store, 'keyed-1', 8, 300);
    await db.store.snapshots.take(aggregate, 'keyed-1');
    // The same code hash, another state schema version: a definition no one should build, but
    // the snapshot query must not rely on the hash alone.
    const sameHash = { ...aggregate, stateSchemaVersion: 2 } as Aggregate;
    const loaded = await db.store.loadAggregate(sameHash, 'keyed-1');
    expect(loaded).toMatchObject({ snapshotVersion: null, eventsReplayed: 8 });
    expect(stateText(loaded.state)).toBe(stateText(foldInMemory(aggregate, events)));
  });

  it('never moves a snapshot backwards', async () => {
    const aggregate = ledger({ type: 'mono', category: 'mono' });
    const events = await appendN(db.store, 'mono-1', 10, 400);
    expect(await db.store.snapshots.take(aggregate, 'mono-1')).toMatchObject({
      version: 10,
      written: true,
    });
    const bogus = { balances: new Map([['cash', -1]]), tags: new Set(), trail: 'x', recent: [] };
    expect(await writeSnapshot(db.pool, aggregate, 'mono-1', 5, bogus)).toBe(false);
    expect(await writeSnapshot(db.pool, aggregate, 'mono-1', 10, bogus)).toBe(false);
    const loaded = await db.store.loadAggregate(aggregate, 'mono-1');
    expect(loaded).toMatchObject({ snapshotVersion: 10, eventsReplayed: 0 });
    expect(stateText(loaded.state)).toBe(stateText(foldInMemory(aggregate, events)));

    // Concurrent snapshotters at the same version: exactly one writes.
    events.push(...(await appendN(db.store, 'mono-1', 2, 401)));
    const takes = await Promise.all(
      Array.from({ length: 6 }, () => db.store.snapshots.take(aggregate, 'mono-1')),
    );
    expect(takes.map((t) => t.version)).toEqual(Array(6).fill(12));
    expect(takes.filter((t) => t.written)).toHaveLength(1);
    expect(await writeSnapshot(db.pool, aggregate, 'mono-1', 11, bogus)).toBe(false);
    const { rows } = await db.pool.query<{ stream_version: number; state: string }>(
      `select stream_version, state::text as state from hindsight.snapshots
        where aggregate_type = 'mono' and stream_id = 'mono-1'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.stream_version).toBe(12);
    const reloaded = await db.store.loadAggregate(aggregate, 'mono-1');
    expect(stateText(reloaded.state)).toBe(stateText(foldInMemory(aggregate, events)));
  });

  it('pages through the due streams in id order, with slow loads noted and cleared', async () => {
    const definition = ledgerDefinition({ type: 'due-check', category: 'duecheck' });
    const aggregate = defineAggregate(definition) as unknown as Aggregate;
    const slow = defineAggregate({
      ...definition,
      policy: { everyEvents: 5, maxLoadMs: 0.0001 },
    }) as unknown as Aggregate;
    expect(slow.codeHash).toBe(aggregate.codeHash);
    const started = Date.now();

    // [initial events, snapshot after them?, events after the snapshot]
    const plan: [number, boolean, number][] = [
      [1, false, 0],
      [5, false, 0],
      [7, true, 3],
      [3, false, 0],
      [10, true, 0],
      [4, false, 0],
      [6, true, 6],
      [2, false, 0],
      [9, true, 4],
      [5, true, 5],
      [8, false, 0],
      [12, true, 1],
    ];
    const streamIds = plan.map((_, i) => `duecheck-${String(i).padStart(2, '0')}`);
    // Appended out of id order, so the order of the pages comes from the ids.
    for (const i of [...plan.keys()].reverse()) {
      const [initial, snapshot, more] = plan[i]!;
      await appendN(db.store, streamIds[i]!, initial, 500 + i);
      if (snapshot) await db.store.snapshots.take(aggregate, streamIds[i]!);
      if (more) await appendN(db.store, streamIds[i]!, more, 600 + i);
    }
    await appendN(db.store, 'duecheckx-1', 30, 700); // another category: never listed
    const tails = plan.map(([initial, snapshot, more]) => (snapshot ? more : initial));
    const dueByEvents = streamIds.filter((_, i) => tails[i]! >= 5);
    expect(dueByEvents).toEqual(['duecheck-01', 'duecheck-06', 'duecheck-09', 'duecheck-10']);

    const pageThrough = async () => {
      const due: { streamId: string; reason: string; version: number; snapshotVersion: number }[] =
        [];
      const pages: { scanned: number; lastStreamId: string | null }[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await db.store.snapshots.due(aggregate, { after, limit: 5 });
        pages.push({ scanned: page.scanned, lastStreamId: page.lastStreamId });
        due.push(...page.due);
        if (page.lastStreamId === null) break;
        after = page.lastStreamId;
      }
      return { due, pages };
    };

    const first = await pageThrough();
    expect(first.pages).toEqual([
      { scanned: 5, lastStreamId: 'duecheck-04' },
      { scanned: 5, lastStreamId: 'duecheck-09' },
      { scanned: 2, lastStreamId: 'duecheck-11' },
      { scanned: 0, lastStreamId: null },
    ]);
    expect(first.due).toEqual([
      { streamId: 'duecheck-01', version: 5, snapshotVersion: 0, reason: 'events' },
      { streamId: 'duecheck-06', version: 12, snapshotVersion: 6, reason: 'events' },
      { streamId: 'duecheck-09', version: 10, snapshotVersion: 5, reason: 'events' },
      { streamId: 'duecheck-10', version: 8, snapshotVersion: 0, reason: 'events' },
    ]);

    // A slow load notes its stream (with a snapshot or without); a full replay notes nothing.
    await db.store.loadAggregate(slow, 'duecheck-03');
    await db.store.loadAggregate(slow, 'duecheck-02');
    await db.store.loadAggregate(slow, 'duecheck-07', { useSnapshot: false });
    const hints = await db.pool.query<{ stream_id: string; events_replayed: number }>(
      `select stream_id, events_replayed from hindsight.snapshot_hints
        where aggregate_type = 'due-check' order by stream_id`,
    );
    expect(hints.rows).toEqual([
      { stream_id: 'duecheck-02', events_replayed: 3 },
      { stream_id: 'duecheck-03', events_replayed: 3 },
    ]);
    const second = await pageThrough();
    expect(second.due.map((d) => [d.streamId, d.reason])).toEqual([
      ['duecheck-01', 'events'],
      ['duecheck-02', 'slow-load'],
      ['duecheck-03', 'slow-load'],
      ['duecheck-06', 'events'],
      ['duecheck-09', 'events'],
      ['duecheck-10', 'events'],
    ]);

    const stats = await db.store.snapshots.stats(aggregate);
    const snapshotted = plan.filter(([, snapshot]) => snapshot).length;
    expect(stats).toMatchObject({
      aggregateType: 'due-check',
      category: 'duecheck',
      codeHash: aggregate.codeHash,
      stateSchemaVersion: 1,
      policy: { everyEvents: 5, maxLoadMs: null },
      streams: 12,
      snapshotted,
      due: 6,
      stale: 0,
      slowLoads: 2,
      tail: {
        max: 8,
        mean: Math.round((tails.reduce((a, b) => a + b, 0) / tails.length) * 100) / 100,
      },
    });
    expect(stats.lastSnapshotAt).toBeGreaterThanOrEqual(started - 1000);
    expect(stats.lastSnapshotAt).toBeLessThanOrEqual(Date.now() + 1000);

    // Taking the snapshot clears the note; a snapshot run takes every due stream.
    for (const { streamId } of second.due) {
      expect(await db.store.snapshots.take(aggregate, streamId)).toMatchObject({ written: true });
    }
    const third = await pageThrough();
    expect(third.due).toEqual([]);
    const { rows: left } = await db.pool.query(
      `select 1 from hindsight.snapshot_hints where aggregate_type = 'due-check'`,
    );
    expect(left).toEqual([]);
    expect(await db.store.snapshots.stats(aggregate)).toMatchObject({
      snapshotted: snapshotted + 3,
      due: 0,
      slowLoads: 0,
    });
  });

  it('refuses to load an unknown stream or a malformed id', async () => {
    const aggregate = ledger();
    const missing = await rejectionWith(
      NotFoundError,
      db.store.loadAggregate(aggregate, 'ledger-missing'),
    );
    expect(missing).toMatchObject({ kind: 'stream', id: 'ledger-missing' });
    await rejectionWith(NotFoundError, db.store.snapshots.take(aggregate, 'ledger-missing'));
    await rejectionWith(ValidationError, db.store.loadAggregate(aggregate, '-bad id'));
  });
});

describe('reads upcast', () => {
  let db: TestDatabase;
  const blockedV2 = (code: string, text: string) => ({
    workOrderId: 'wo-1',
    reason: { code, text },
  });

  beforeAll(async () => {
    db = await createTestDatabase({ upcasters: demoUpcasters() });
    await db.store.append('workorder-1', [
      { type: 'WorkOrderCreated', data: { workOrderId: 'wo-1', priority: 'high' } },
      { type: 'WorkOrderBlocked', data: { workOrderId: 'wo-1', reason: 'waiting for parts' } },
      { type: 'WorkOrderBlocked', data: { workOrderId: 'wo-1', reason: 'storm' } },
    ]);
  });

  afterAll(async () => {
    await db.drop();
  });

  const expectUpcast = (
    events: readonly { type: string; schemaVersion: number; data: unknown }[],
  ) => {
    const parse = (data: unknown): unknown =>
      typeof data === 'string' ? (JSON.parse(data) as unknown) : data;
    expect(events.map((e) => [e.type, e.schemaVersion, parse(e.data)])).toEqual([
      ['WorkOrderCreated', 1, { workOrderId: 'wo-1', priority: 'high' }],
      ['WorkOrderBlocked', 2, blockedV2('parts', 'waiting for parts')],
      ['WorkOrderBlocked', 2, blockedV2('other', 'storm')],
    ]);
  };

  it('stores a v1 event as given', async () => {
    const { rows } = await db.pool.query<{ schema_version: number; data: JsonObject }>(
      `select schema_version, data from hindsight.events
        where stream_id = 'workorder-1' order by stream_version`,
    );
    expect(rows.map((r) => [r.schema_version, r.data])).toEqual([
      [1, { workOrderId: 'wo-1', priority: 'high' }],
      [1, { workOrderId: 'wo-1', reason: 'waiting for parts' }],
      [1, { workOrderId: 'wo-1', reason: 'storm' }],
    ]);
  });

  it('returns v2 from readStream and readAll', async () => {
    expectUpcast((await db.store.readStream('workorder-1')).events);
    // readAll returns only what is below the visibility horizon: wait for the appends to be.
    let events: StoredEvent[] = [];
    for (let tries = 0; events.length < 3 && tries < 200; tries++) {
      if (tries > 0) await sleep(50);
      events = (await db.store.readAll({ after: START, limit: 100 })).events;
    }
    expectUpcast(events);
  });

  it('returns v2 from follow and subscribe', async () => {
    const followed: StoredEvent[] = [];
    const controller = new AbortController();
    for await (const item of db.store.follow({ after: START, signal: controller.signal })) {
      if (item.kind === 'events') followed.push(...item.events);
      if (followed.length >= 3) break;
    }
    controller.abort();
    expectUpcast(followed);

    const handled: RecordedEvent[] = [];
    const subscription = db.store.subscribe({
      name: 'upcast-check',
      handler: (events) => {
        handled.push(...events);
        return Promise.resolve();
      },
    });
    await waitFor(() => handled.length >= 3, 10_000, 'the subscription to deliver');
    await subscription.stop();
    expectUpcast(handled);
    expect(handled[1]!.data).toEqual(blockedV2('parts', 'waiting for parts'));
  });

  it('folds aggregates from upcast events', async () => {
    const { state } = await db.store.loadAggregate(workOrderAggregate, 'workorder-1');
    expect(state).toMatchObject({ status: 'blocked', blocks: { parts: 1, other: 1 } });
  });

  it('refuses a schema version above the latest, naming the field', async () => {
    const error = await rejectionWith(
      ValidationError,
      db.store.append('workorder-2', [
        { type: 'WorkOrderBlocked', schemaVersion: 3, data: blockedV2('parts', 'x') },
      ]),
    );
    expect(error.field).toBe('events[0].schema_version');
    expect(error.message).toContain('WorkOrderBlocked has no schema version 3: its latest is 2');
    const second = await rejectionWith(
      ValidationError,
      db.store.append('workorder-2', [
        { type: 'WorkOrderCreated', data: { workOrderId: 'wo-2' } },
        { type: 'WorkOrderBlocked', schemaVersion: 7, data: blockedV2('parts', 'x') },
      ]),
    );
    expect(second.field).toBe('events[1].schema_version');
    await rejectionWith(NotFoundError, db.store.readStream('workorder-2'));
  });

  it('stores a v2 event as v2, and accepts any version of a type without upcasters', async () => {
    const data = blockedV2('customer', 'customer unavailable');
    await db.store.append('workorder-3', [
      { type: 'WorkOrderBlocked', schemaVersion: 2, data },
      { type: 'WorkOrderAudited', schemaVersion: 9, data: { ok: true } },
    ]);
    const { rows } = await db.pool.query<{ schema_version: number; data: JsonObject }>(
      `select schema_version, data from hindsight.events
        where stream_id = 'workorder-3' order by stream_version`,
    );
    expect(rows).toEqual([
      { schema_version: 2, data },
      { schema_version: 9, data: { ok: true } },
    ]);
    const read = await db.store.readStream('workorder-3');
    expect(read.events.map((e) => [e.schemaVersion, JSON.parse(e.data) as unknown])).toEqual([
      [2, data],
      [9, { ok: true }],
    ]);
  });
});
