// Upcasting migrations against a real PostgreSQL, at the library level: plan, dry run, batches
// that keep the originals, verification, failure and resume, undo, and appends that never wait.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeCut } from '../../eventstore/cut.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { START, type JsonObject, type NewEvent, type StoredEvent } from '../../eventstore/types.js';
import { canonicalJson } from '../../eventstore/upcasting/canonicalJson.js';
import {
  MigrationError,
  beginMigration,
  beginUndo,
  dryRunMigration,
  failMigration,
  finishUndo,
  getMigration,
  listMigrations,
  migrateBatch,
  planMigration,
  undoBatch,
  verifyMigration,
  type BatchResult,
  type MigrationPlan,
} from '../../eventstore/upcasting/migrations.js';
import { UpcastError } from '../../eventstore/upcasting/upcastError.js';
import { defineUpcasters, type Upcaster } from '../../eventstore/upcasting/upcasters.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { rejectionWith, sleep } from '../support/wait.js';

/** mulberry32: a small seeded generator, so every run appends the same log. */
const mulberry32 = (seed: number) => () => {
  let t = (seed = (seed + 0x6d2b79f5) | 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** v1 `{ n, ... }` → v2 `{ n, ..., double }`. */
const addDouble: Upcaster = (data) => ({ ...data, double: Number(data.n) * 2 });
/** v2 → v3 `{ ..., triple }`. */
const addTriple: Upcaster = (data) => ({ ...data, triple: Number(data.n) * 3 });

const upcasters = defineUpcasters({
  Thing: { 1: addDouble },
  Widget: { 1: addDouble },
  Gizmo: { 1: addDouble },
  Sprocket: { 1: addDouble },
  Gadget: { 1: addDouble, 2: addTriple },
});

const LABELS = ['Zürich ✓', '', 'a "quoted" label', 'tab\there'];
/** A payload whose jsonb text differs from JSON.stringify's: keys reorder, spaces appear. */
const payload = (n: number): JsonObject => ({
  n,
  label: LABELS[n % LABELS.length],
  nested: { zeta: n % 7, alpha: [n, 'x', { b: null, a: 1.5 }] },
});

interface RawEvent {
  global_position: number;
  tx_id: number;
  event_id: string;
  stream_id: string;
  schema_version: number;
  data: string;
}

const rawEvents = async (pool: pg.Pool, type: string): Promise<RawEvent[]> =>
  (
    await pool.query<RawEvent>(
      `select global_position, tx_id, event_id::text as event_id, stream_id, schema_version,
              data::text as data
         from hindsight.events where event_type = $1 order by tx_id, global_position`,
      [type],
    )
  ).rows;

const revisions = async (pool: pg.Pool, migrationId: string) =>
  (
    await pool.query<Omit<RawEvent, 'stream_id'>>(
      `select global_position, tx_id, event_id::text as event_id, schema_version,
              data::text as data
         from hindsight.event_revisions where migration_id = $1 order by tx_id, global_position`,
      [migrationId],
    )
  ).rows;

/** Waits until every transaction up to `transactionId` is below the visibility horizon. */
const waitForHorizon = async (pool: pg.Pool, transactionId: number): Promise<void> => {
  for (let tries = 0; tries < 500; tries++) {
    if ((await takeCut(pool)).transactionId > transactionId) return;
    await sleep(20);
  }
  throw new Error(`the horizon did not pass transaction ${transactionId}`);
};

const readEverything = async (store: EventStore): Promise<StoredEvent[]> => {
  const events: StoredEvent[] = [];
  let after = START;
  for (;;) {
    const page = await store.readAll({ after, limit: 1000 });
    events.push(...page.events);
    after = page.checkpoint;
    if (page.reachedEnd) return events;
  }
};

/** What a reader sees of an event: its identity, version and payload (key order aside). */
const seen = (event: StoredEvent) => ({
  eventId: event.eventId,
  type: event.type,
  schemaVersion: event.schemaVersion,
  data: canonicalJson(JSON.parse(event.data)),
});

const migrateAll = async (
  pool: pg.Pool,
  registry: typeof upcasters,
  migrationId: string,
  batchSize: number,
): Promise<BatchResult[]> => {
  const results: BatchResult[] = [];
  for (let i = 0; i < 1000; i++) {
    const result = await migrateBatch(pool, registry, { migrationId, batchSize });
    results.push(result);
    if (result.done || result.failure) return results;
  }
  throw new Error('the migration did not finish');
};

const undoAll = async (pool: pg.Pool, migrationId: string, batchSize: number) => {
  let restored = 0;
  for (let i = 0; i < 1000; i++) {
    const result = await undoBatch(pool, { migrationId, batchSize });
    restored += result.restored;
    if (result.done) return restored;
  }
  throw new Error('the undo did not finish');
};

const migrationError = (promise: Promise<unknown>) => rejectionWith(MigrationError, promise);

/** Appends `count` events of `type` at v1 with n = first.., `perAppend` to a call. */
const appendNumbered = async (
  store: EventStore,
  {
    type,
    first,
    count,
    perAppend,
    streams,
  }: Record<'first' | 'count' | 'perAppend', number> & {
    type: string;
    streams: string[];
  },
): Promise<number> => {
  let lastTx = 0;
  for (let from = first, k = 0; from < first + count; from += perAppend, k++) {
    const events: NewEvent[] = [];
    for (let n = from; n < Math.min(from + perAppend, first + count); n++) {
      events.push({ type, data: payload(n) });
      if (n % 10 === 3) events.push({ type: 'Other', data: { n } });
    }
    lastTx = (await store.append(streams[k % streams.length]!, events)).transactionId;
  }
  return lastTx;
};

describe('upcasting migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ upcasters });
  });

  afterAll(async () => {
    await db.drop();
  });

  describe('a migration of a few thousand events, with appends going on', () => {
    const migrationId = 'thing-v2';
    const appendTxs: number[] = [];
    const countsBelow: { v1: number; v2: number }[] = [];
    let originals: RawEvent[] = [];
    let inScope: RawEvent[] = [];
    let readBefore: ReturnType<typeof seen>[] = [];
    let plan: MigrationPlan;
    let liveThings = 0;

    beforeAll(async () => {
      const next = mulberry32(2024);
      let n = 0;
      let v1 = 0;
      let v2 = 0;
      for (let a = 0; a < 60; a++) {
        countsBelow.push({ v1, v2 });
        const events: NewEvent[] = [];
        for (let i = 0; i < 50; i++) {
          const roll = next();
          n += 1;
          if (roll < 0.7) {
            events.push({ type: 'Thing', data: payload(n) });
            v1 += 1;
          } else if (roll < 0.85) {
            events.push({ type: 'Thing', schemaVersion: 2, data: { n, double: n * 2 } });
            v2 += 1;
          } else {
            events.push({ type: 'Other', data: { n } });
          }
        }
        appendTxs.push((await db.store.append(`thing-${a % 40}`, events)).transactionId);
      }
      countsBelow.push({ v1, v2 });
      await waitForHorizon(db.pool, appendTxs.at(-1)!);
      originals = await rawEvents(db.pool, 'Thing');
      inScope = originals.filter((e) => e.schema_version === 1);
      readBefore = (await readEverything(db.store)).map(seen);
      expect(inScope.length).toBe(v1);
      expect(originals.length - inScope.length).toBe(v2);
      expect(readBefore).toHaveLength(3000);
    });

    it('plans: the events of the type below a cut, by stored version', async () => {
      plan = await planMigration(db.pool, upcasters, { eventType: 'Thing', toVersion: 2 });
      const { v1, v2 } = countsBelow.at(-1)!;
      expect(plan).toMatchObject({
        eventType: 'Thing',
        toVersion: 2,
        total: v1,
        byVersion: { '1': v1 },
        upToDate: v2,
      });
      expect(v1).toBeGreaterThan(1500);
      expect(v2).toBeGreaterThan(200);
      expect(plan.cutTransactionId).toBeGreaterThan(appendTxs.at(-1)!);

      // An earlier cut counts only the transactions below it.
      const early = await planMigration(db.pool, upcasters, {
        eventType: 'Thing',
        toVersion: 2,
        cutTx: appendTxs[10]!,
      });
      expect(early).toMatchObject({
        cutTransactionId: appendTxs[10],
        total: countsBelow[10]!.v1,
        upToDate: countsBelow[10]!.v2,
      });
    });

    it('refuses a plan the upcasters cannot reach', async () => {
      const unknown = await rejectionWith(
        UpcastError,
        planMigration(db.pool, upcasters, { eventType: 'Other', toVersion: 2 }),
      );
      expect(unknown.reason).toBe('UNKNOWN_EVENT_TYPE');
      const beyond = await rejectionWith(
        UpcastError,
        planMigration(db.pool, upcasters, { eventType: 'Thing', toVersion: 3 }),
      );
      expect(beyond.reason).toBe('MISSING_STEP');
      const invalid = await rejectionWith(
        UpcastError,
        planMigration(db.pool, upcasters, { eventType: 'Thing', toVersion: 1 }),
      );
      expect(invalid.reason).toBe('INVALID_TARGET');
    });

    it('dry-runs: counts and samples, writing nothing', async () => {
      const before = await db.snapshot();
      const progress: number[] = [];
      const report = await dryRunMigration(
        db.pool,
        upcasters,
        { eventType: 'Thing', toVersion: 2, sampleSize: 4, pageSize: 700 },
        (upcast) => progress.push(upcast),
      );
      expect(report).toMatchObject({ total: plan.total, upcast: plan.total, failure: null });
      expect(report.samples).toEqual(
        inScope.slice(0, 4).map((e) => ({
          eventId: e.event_id,
          streamId: e.stream_id,
          globalPosition: e.global_position,
          fromVersion: 1,
          before: JSON.parse(e.data) as JsonObject,
          after: addDouble(JSON.parse(e.data) as JsonObject, {} as never),
        })),
      );
      expect(progress.at(-1)).toBe(plan.total);
      expect(progress).toHaveLength(Math.floor(plan.total / 700) + 1);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));

      // A throwing upcaster: the dry run stops at the event and names it.
      const cursed = inScope[99]!;
      const cursedN = (JSON.parse(cursed.data) as { n: number }).n;
      const broken = defineUpcasters({
        Thing: {
          1: (data) => {
            if (data.n === cursedN) throw new Error('cannot double this one');
            return addDouble(data, {} as never);
          },
        },
      });
      const failed = await dryRunMigration(db.pool, broken, {
        eventType: 'Thing',
        toVersion: 2,
        sampleSize: 0,
      });
      expect(failed.upcast).toBe(99);
      expect(failed.samples).toEqual([]);
      expect(failed.failure).toMatchObject({
        eventId: cursed.event_id,
        streamId: cursed.stream_id,
        globalPosition: cursed.global_position,
        schemaVersion: 1,
      });
      expect(failed.failure?.message).toContain('cannot double this one');
      expect(failed.failure?.message).toContain(cursed.event_id);
      expect(await db.snapshot()).toBe(before);
    });

    it('begins once per migration id, and one migration of a type at a time', async () => {
      const record = await beginMigration(db.pool, { migrationId, plan });
      expect(record).toMatchObject({
        migrationId,
        eventType: 'Thing',
        toVersion: 2,
        cutTransactionId: plan.cutTransactionId,
        status: 'running',
        total: plan.total,
        migrated: 0,
        lastPosition: { transactionId: 0, globalPosition: 0 },
        finishedAt: null,
      });
      expect(await beginMigration(db.pool, { migrationId, plan })).toEqual(record);
      const busy = await migrationError(
        beginMigration(db.pool, { migrationId: 'thing-v2-again', plan }),
      );
      expect(busy.reason).toBe('MIGRATION_IN_PROGRESS');
      expect(busy.message).toContain(`'${migrationId}'`);
      expect((await migrationError(beginUndo(db.pool, migrationId))).reason).toBe(
        'MIGRATION_STATE',
      );
      expect((await migrationError(getMigration(db.pool, 'nope'))).reason).toBe(
        'MIGRATION_NOT_FOUND',
      );
      expect(
        (await listMigrations(db.pool, { eventType: 'Thing' })).map((m) => m.migrationId),
      ).toEqual([migrationId]);
    });

    it('never blocks appends or stream reads while a batch holds its row locks', async () => {
      const blocker = await db.pool.connect();
      try {
        await blocker.query('begin');
        await blocker.query(
          'select 1 from hindsight.events where global_position = $1 for update',
          [inScope[49]!.global_position],
        );
        const batch = migrateBatch(db.pool, upcasters, { migrationId, batchSize: 200 });
        // The batch has locked the 49 rows before the one held here, and waits for it.
        for (let tries = 0; ; tries++) {
          const { rows } = await db.pool.query(
            `select 1 from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock'
                and query like '%for update of e%'`,
          );
          if (rows.length > 0) break;
          if (tries > 500) throw new Error('the batch never waited for the held row');
          await sleep(10);
        }
        const lockedStream = inScope[0]!.stream_id;
        const timeout = sleep(5000).then(() => 'blocked' as const);
        const appended = await Promise.race([
          (async () => {
            await db.store.append(lockedStream, [
              { type: 'Thing', data: payload(-1) },
              { type: 'Other', data: { n: -1 } },
            ]);
            await db.store.append('thing-new', [{ type: 'Thing', data: payload(-2) }]);
            return db.store.readStream(lockedStream, { direction: 'backwards', limit: 2 });
          })(),
          timeout,
        ]);
        expect(appended).not.toBe('blocked');
        liveThings += 2;
        if (appended !== 'blocked') {
          expect(appended.events.map((e) => [e.type, e.schemaVersion])).toEqual([
            ['Other', 1],
            ['Thing', 2],
          ]);
        }
        await blocker.query('commit');
        const result = await batch;
        expect(result).toMatchObject({ migrated: 200, done: false, failure: null });
        expect(result.record.lastPosition).toEqual({
          transactionId: inScope[199]!.tx_id,
          globalPosition: inScope[199]!.global_position,
        });
      } finally {
        blocker.release();
      }
    });

    it('migrates the rest in batches while appends go on, leaving later appends as stored', async () => {
      let appending = true;
      let appends = 0;
      let lastLiveTx = 0;
      const writer = (async () => {
        for (let i = 0; appending; i++) {
          const result = await db.store.append(`thing-${i % 40}`, [
            { type: 'Thing', data: payload(100_000 + i) },
            { type: 'Other', data: { n: 100_000 + i } },
          ]);
          lastLiveTx = result.transactionId;
          appends += 1;
          liveThings += 1;
        }
      })();
      const results = await migrateAll(db.pool, upcasters, migrationId, 250);
      const appendsDuringMigration = appends;
      appending = false;
      await writer;

      expect(appendsDuringMigration).toBeGreaterThan(0);
      expect(results.every((r) => r.failure === null && r.migrated <= 250)).toBe(true);
      expect(200 + results.reduce((sum, r) => sum + r.migrated, 0)).toBe(plan.total);
      expect(results.at(-1)!.record).toMatchObject({ migrated: plan.total, status: 'running' });
      const again = await migrateBatch(db.pool, upcasters, { migrationId, batchSize: 250 });
      expect(again).toMatchObject({ migrated: 0, done: true, failure: null });

      const now = await rawEvents(db.pool, 'Thing');
      const below = now.filter((e) => e.tx_id < plan.cutTransactionId);
      const later = now.filter((e) => e.tx_id >= plan.cutTransactionId);
      expect(below).toHaveLength(originals.length);
      expect(below.every((e) => e.schema_version === 2)).toBe(true);
      for (const [i, e] of below.entries()) {
        const original = originals[i]!;
        expect(e.global_position).toBe(original.global_position);
        const expected =
          original.schema_version === 1
            ? addDouble(JSON.parse(original.data) as JsonObject, {} as never)
            : (JSON.parse(original.data) as JsonObject);
        expect(JSON.parse(e.data)).toEqual(expected);
      }
      // Committed after the cut: stored as appended, read as v2.
      expect(later).toHaveLength(liveThings);
      expect(later.every((e) => e.schema_version === 1)).toBe(true);
      expect(later.every((e) => !('double' in (JSON.parse(e.data) as JsonObject)))).toBe(true);
      await waitForHorizon(db.pool, lastLiveTx);
      const read = (await readEverything(db.store)).filter((e) => e.type === 'Thing');
      const laterIds = new Set(later.map((e) => e.event_id));
      const readLater = read.filter((e) => laterIds.has(e.eventId));
      expect(readLater).toHaveLength(liveThings);
      for (const e of readLater) {
        const data = JSON.parse(e.data) as { n: number; double: number };
        expect(e.schemaVersion).toBe(2);
        expect(data.double).toBe(data.n * 2);
      }
    });

    it('keeps exactly the originals in event_revisions', async () => {
      expect(await revisions(db.pool, migrationId)).toEqual(
        inScope.map(({ stream_id: _stream, ...original }) => original),
      );
    });

    it('verifies: every original upcast again equals its stored row', async () => {
      const verification = await verifyMigration(db.pool, upcasters, {
        migrationId,
        pageSize: 500,
      });
      expect(verification).toMatchObject({
        ok: true,
        revisions: plan.total,
        remaining: 0,
        mismatches: [],
      });
      expect(verification.digestBefore).toMatch(/^[0-9a-f]{64}$/);
      expect(verification.digestAfter).toBe(verification.digestBefore);
      const record = await getMigration(db.pool, migrationId);
      expect(record).toMatchObject({
        status: 'completed',
        migrated: plan.total,
        digestBefore: verification.digestBefore,
        digestAfter: verification.digestAfter,
        error: null,
      });
      expect(record.finishedAt).not.toBeNull();
    });

    it('reads the same payloads before and after the migration', async () => {
      const ids = new Set(readBefore.map((e) => e.eventId));
      const after = (await readEverything(db.store)).filter((e) => ids.has(e.eventId)).map(seen);
      expect(after).toEqual(readBefore);
    });

    it('undoes to the exact original rows, leaving later appends alone', async () => {
      const laterBefore = (await rawEvents(db.pool, 'Thing')).filter(
        (e) => e.tx_id >= plan.cutTransactionId,
      );
      const undoing = await beginUndo(db.pool, migrationId);
      expect(undoing.status).toBe('undoing');
      expect(await beginUndo(db.pool, migrationId)).toMatchObject({ status: 'undoing' });
      const busy = await migrationError(
        beginMigration(db.pool, { migrationId: 'thing-v2-during-undo', plan }),
      );
      expect(busy.reason).toBe('MIGRATION_IN_PROGRESS');
      expect(
        (await migrationError(migrateBatch(db.pool, upcasters, { migrationId, batchSize: 10 })))
          .reason,
      ).toBe('MIGRATION_STATE');

      expect(await undoAll(db.pool, migrationId, 400)).toBe(plan.total);
      expect(await finishUndo(db.pool, migrationId)).toEqual({
        ok: true,
        restored: plan.total,
        different: 0,
      });
      expect(await getMigration(db.pool, migrationId)).toMatchObject({
        status: 'undone',
        restored: plan.total,
        restorePosition: inScope.at(-1)!.global_position,
      });
      const now = await rawEvents(db.pool, 'Thing');
      expect(now.filter((e) => e.tx_id < plan.cutTransactionId)).toEqual(originals);
      expect(now.filter((e) => e.tx_id >= plan.cutTransactionId)).toEqual(laterBefore);
      const ids = new Set(readBefore.map((e) => e.eventId));
      const read = (await readEverything(db.store)).filter((e) => ids.has(e.eventId)).map(seen);
      expect(read).toEqual(readBefore);
      expect(
        (await migrationError(verifyMigration(db.pool, upcasters, { migrationId }))).reason,
      ).toBe('MIGRATION_STATE');
    });
  });

  it('stops a batch at an event its upcaster fails on, and resumes with a fixed upcaster', async () => {
    const lastTx = await appendNumbered(db.store, {
      type: 'Widget',
      first: 0,
      count: 600,
      perAppend: 50,
      streams: ['widget-a', 'widget-b', 'widget-c'],
    });
    await waitForHorizon(db.pool, lastTx);
    const originals = await rawEvents(db.pool, 'Widget');
    expect(originals).toHaveLength(600);
    const nOf = (e: RawEvent) => (JSON.parse(e.data) as { n: number }).n;
    expect(originals.map(nOf)).toEqual([...Array(600).keys()]);
    const cursed = originals[137]!;
    const broken = defineUpcasters({
      Widget: {
        1: (data) => {
          if (data.n === 137) throw new Error('n 137 is cursed');
          return addDouble(data, {} as never);
        },
      },
    });
    const migrationId = 'widget-v2';
    const plan = await planMigration(db.pool, broken, { eventType: 'Widget', toVersion: 2 });
    expect(plan.total).toBe(600);
    await beginMigration(db.pool, { migrationId, plan });

    const first = await migrateBatch(db.pool, broken, { migrationId, batchSize: 100 });
    expect(first).toMatchObject({ migrated: 100, done: false, failure: null });
    const second = await migrateBatch(db.pool, broken, { migrationId, batchSize: 100 });
    expect(second).toMatchObject({
      migrated: 37,
      done: false,
      failure: {
        eventId: cursed.event_id,
        streamId: cursed.stream_id,
        globalPosition: cursed.global_position,
        schemaVersion: 1,
      },
    });
    expect(second.failure?.message).toContain('n 137 is cursed');
    expect(second.record).toMatchObject({
      status: 'running',
      migrated: 137,
      lastPosition: {
        transactionId: originals[136]!.tx_id,
        globalPosition: originals[136]!.global_position,
      },
    });
    expect(second.record.error).toContain(`stopped at event ${cursed.event_id}`);

    const midway = await rawEvents(db.pool, 'Widget');
    expect(midway.slice(0, 137).every((e) => e.schema_version === 2)).toBe(true);
    expect(midway.slice(137)).toEqual(originals.slice(137));
    expect(await revisions(db.pool, migrationId)).toHaveLength(137);

    // The same upcaster fails at the same place, changing nothing.
    const retry = await migrateBatch(db.pool, broken, { migrationId, batchSize: 100 });
    expect(retry).toMatchObject({ migrated: 0, failure: { eventId: cursed.event_id } });
    expect(await rawEvents(db.pool, 'Widget')).toEqual(midway);

    const resumed = await migrateAll(db.pool, upcasters, migrationId, 100);
    expect(resumed.every((r) => r.failure === null)).toBe(true);
    expect(resumed.reduce((sum, r) => sum + r.migrated, 0)).toBe(600 - 137);
    expect(resumed.at(-1)!.record).toMatchObject({ migrated: 600, error: null });
    const done = await rawEvents(db.pool, 'Widget');
    expect(done.map((e) => [e.schema_version, JSON.parse(e.data) as unknown])).toEqual(
      originals.map((e) => [2, addDouble(JSON.parse(e.data) as JsonObject, {} as never)]),
    );
    expect(await revisions(db.pool, migrationId)).toEqual(
      originals.map(({ stream_id: _stream, ...original }) => original),
    );
    expect(await verifyMigration(db.pool, upcasters, { migrationId })).toMatchObject({
      ok: true,
      revisions: 600,
    });
  });

  it('migrates each event once when two batches of one migration run at the same time', async () => {
    const lastTx = await appendNumbered(db.store, {
      type: 'Gizmo',
      first: 0,
      count: 1000,
      perAppend: 100,
      streams: ['gizmo-a', 'gizmo-b'],
    });
    await waitForHorizon(db.pool, lastTx);
    const originals = await rawEvents(db.pool, 'Gizmo');
    const migrationId = 'gizmo-v2';
    const plan = await planMigration(db.pool, upcasters, { eventType: 'Gizmo', toVersion: 2 });
    expect(plan.total).toBe(1000);
    await beginMigration(db.pool, { migrationId, plan });

    let migrated = 0;
    let rounds = 0;
    for (let done = false; !done && rounds < 100; rounds++) {
      const pair = await Promise.all([
        migrateBatch(db.pool, upcasters, { migrationId, batchSize: 120 }),
        migrateBatch(db.pool, upcasters, { migrationId, batchSize: 120 }),
      ]);
      migrated += pair[0].migrated + pair[1].migrated;
      done = pair.every((r) => r.done);
    }
    expect(migrated).toBe(1000);
    expect((await getMigration(db.pool, migrationId)).migrated).toBe(1000);
    const { rows } = await db.pool.query<{ total: number; positions: number }>(
      `select count(*)::int as total, count(distinct global_position)::int as positions
         from hindsight.event_revisions where migration_id = $1`,
      [migrationId],
    );
    expect(rows[0]).toEqual({ total: 1000, positions: 1000 });
    expect(await revisions(db.pool, migrationId)).toEqual(
      originals.map(({ stream_id: _stream, ...original }) => original),
    );
    const verification = await verifyMigration(db.pool, upcasters, { migrationId });
    expect(verification).toMatchObject({ ok: true, revisions: 1000, remaining: 0 });

    // A row changed behind the migration's back: verification names it and fails the migration.
    const tampered = originals[500]!.global_position;
    await db.pool.query(
      `update hindsight.events set data = data || '{"double": -1}' where global_position = $1`,
      [tampered],
    );
    const recheck = await verifyMigration(db.pool, upcasters, { migrationId });
    expect(recheck).toMatchObject({ ok: false, mismatches: [tampered], remaining: 0 });
    expect(recheck.digestAfter).not.toBe(recheck.digestBefore);
    expect(recheck.digestBefore).toBe(verification.digestBefore);
    const record = await getMigration(db.pool, migrationId);
    expect(record.status).toBe('failed');
    expect(record.error).toContain(`first mismatches at ${tampered}`);
  });

  it('keeps the rows an aborted migration did, and undoes them from failed', async () => {
    const lastTx = await appendNumbered(db.store, {
      type: 'Sprocket',
      first: 0,
      count: 300,
      perAppend: 60,
      streams: ['sprocket-a'],
    });
    await waitForHorizon(db.pool, lastTx);
    const originals = await rawEvents(db.pool, 'Sprocket');
    const migrationId = 'sprocket-v2';
    const plan = await planMigration(db.pool, upcasters, { eventType: 'Sprocket', toVersion: 2 });
    await beginMigration(db.pool, { migrationId, plan });
    await migrateBatch(db.pool, upcasters, { migrationId, batchSize: 100 });

    const aborted = await failMigration(db.pool, migrationId, 'aborted by the operator');
    expect(aborted).toMatchObject({
      status: 'failed',
      migrated: 100,
      error: 'aborted by the operator',
    });
    expect(aborted.finishedAt).not.toBeNull();
    expect(await failMigration(db.pool, migrationId, 'again')).toMatchObject({
      error: 'aborted by the operator',
    });
    const state = await migrationError(
      migrateBatch(db.pool, upcasters, { migrationId, batchSize: 100 }),
    );
    expect(state.reason).toBe('MIGRATION_STATE');
    const partial = await rawEvents(db.pool, 'Sprocket');
    expect(partial.filter((e) => e.schema_version === 2)).toHaveLength(100);

    await beginUndo(db.pool, migrationId);
    expect(await undoAll(db.pool, migrationId, 30)).toBe(100);
    expect(await finishUndo(db.pool, migrationId)).toEqual({
      ok: true,
      restored: 100,
      different: 0,
    });
    expect(await rawEvents(db.pool, 'Sprocket')).toEqual(originals);
    // Nothing of the type is active any more: a new migration may start.
    const fresh = await beginMigration(db.pool, {
      migrationId: 'sprocket-v2-retry',
      plan: await planMigration(db.pool, upcasters, { eventType: 'Sprocket', toVersion: 2 }),
    });
    expect(fresh).toMatchObject({ status: 'running', total: 300 });
  });

  it('undoes migrations of one type in reverse order only', async () => {
    const lastTx = await appendNumbered(db.store, {
      type: 'Gadget',
      first: 0,
      count: 200,
      perAppend: 40,
      streams: ['gadget-a', 'gadget-b'],
    });
    await waitForHorizon(db.pool, lastTx);
    const originals = await rawEvents(db.pool, 'Gadget');

    const run = async (migrationId: string, toVersion: number) => {
      const plan = await planMigration(db.pool, upcasters, { eventType: 'Gadget', toVersion });
      await beginMigration(db.pool, { migrationId, plan });
      await migrateAll(db.pool, upcasters, migrationId, 64);
      expect(await verifyMigration(db.pool, upcasters, { migrationId })).toMatchObject({
        ok: true,
        revisions: 200,
      });
      return plan;
    };
    const toV2 = await run('gadget-v2', 2);
    expect(toV2.byVersion).toEqual({ '1': 200 });
    const atV2 = await rawEvents(db.pool, 'Gadget');
    const toV3 = await run('gadget-v3', 3);
    expect(toV3.byVersion).toEqual({ '2': 200 });
    const atV3 = await rawEvents(db.pool, 'Gadget');
    expect(atV3.every((e) => e.schema_version === 3)).toBe(true);
    expect(JSON.parse(atV3[5]!.data)).toEqual({ ...payload(5), double: 10, triple: 15 });
    expect(
      (await listMigrations(db.pool, { eventType: 'Gadget' })).map((m) => m.migrationId),
    ).toEqual(['gadget-v3', 'gadget-v2']);

    const order = await migrationError(beginUndo(db.pool, 'gadget-v2'));
    expect(order.reason).toBe('UNDO_ORDER');
    expect(order.message).toContain("'gadget-v3'");
    expect((await getMigration(db.pool, 'gadget-v2')).status).toBe('completed');

    await beginUndo(db.pool, 'gadget-v3');
    await undoAll(db.pool, 'gadget-v3', 50);
    expect(await finishUndo(db.pool, 'gadget-v3')).toMatchObject({ ok: true, restored: 200 });
    expect(await rawEvents(db.pool, 'Gadget')).toEqual(atV2);

    await beginUndo(db.pool, 'gadget-v2');
    await undoAll(db.pool, 'gadget-v2', 50);
    expect(await finishUndo(db.pool, 'gadget-v2')).toMatchObject({ ok: true, restored: 200 });
    expect(await rawEvents(db.pool, 'Gadget')).toEqual(originals);
  });
});
