// The event store library against a real PostgreSQL: reads, filters, cuts, archiving,
// expected versions and schema migrations.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  NotFoundError,
  StreamArchivedError,
  ValidationError,
  WrongExpectedVersionError,
} from '../../eventstore/errors.js';
import { createPool } from '../../eventstore/pool.js';
import { readAll } from '../../eventstore/readAll.js';
import { migrate } from '../../eventstore/schema/migrate.js';
import { migrations } from '../../eventstore/schema/migrations.js';
import {
  START,
  exactly,
  NO_STREAM,
  STREAM_EXISTS,
  type NewEvent,
  type StoredEvent,
} from '../../eventstore/types.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const events = (type: string, n: number): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    type,
    data: { i },
    occurredAt: Date.UTC(2026, 0, 1) + i * 1000,
  }));

describe('event store', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('appends and reads a stream forwards and backwards, from a version, with a limit', async () => {
    const result = await db.store.append('machine-7', events('Reading', 10), NO_STREAM);
    expect(result.streamVersion).toBe(10);
    expect(result.globalPositions).toHaveLength(10);
    const forwards = await db.store.readStream('machine-7', { fromVersion: 4, limit: 3 });
    expect(forwards.events.map((e) => e.streamVersion)).toEqual([4, 5, 6]);
    expect(forwards.streamVersion).toBe(10);
    const backwards = await db.store.readStream('machine-7', { direction: 'backwards', limit: 3 });
    expect(backwards.events.map((e) => e.streamVersion)).toEqual([10, 9, 8]);
    const first = forwards.events[0]!;
    expect(JSON.parse(first.data)).toEqual({ i: 3 });
    expect(first.occurredAt).toBe(Date.UTC(2026, 0, 1) + 3000);
    expect(first.recordedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.parse(first.metadata)).toEqual({});
    await expect(db.store.readStream('machine-404')).rejects.toBeInstanceOf(NotFoundError);
    const past = await db.store.readStream('machine-7', { fromVersion: 11 });
    expect(past.events).toEqual([]);
  });

  it('checks expected versions: no_stream, stream_exists and exact', async () => {
    await expect(
      db.store.append('pump-1', events('Started', 1), STREAM_EXISTS),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await db.store.append('pump-1', events('Started', 2), exactly(0));
    await expect(db.store.append('pump-1', events('Started', 1), NO_STREAM)).rejects.toMatchObject({
      actualVersion: 2,
      streamExists: true,
    });
    await expect(db.store.append('pump-1', events('Started', 1), exactly(1))).rejects.toMatchObject(
      {
        actualVersion: 2,
      },
    );
    expect(
      (await db.store.append('pump-1', events('Started', 1), STREAM_EXISTS)).streamVersion,
    ).toBe(3);
    await expect(
      db.store.append('pump-1', events('Started', 1), exactly(-1)),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('reports stream info and archives a stream, refusing later appends', async () => {
    await db.store.append('belt-1', events('Moved', 3));
    const info = await db.store.getStream('belt-1');
    expect(info).toMatchObject({
      streamId: 'belt-1',
      category: 'belt',
      version: 3,
      archived: false,
    });
    expect(info.lastEventAt).toBeGreaterThanOrEqual(info.firstEventAt!);
    expect(await db.store.archiveStream('belt-1')).toEqual({ version: 3 });
    expect(await db.store.archiveStream('belt-1')).toEqual({ version: 3 });
    await expect(db.store.append('belt-1', events('Moved', 1))).rejects.toBeInstanceOf(
      StreamArchivedError,
    );
    expect((await db.store.getStream('belt-1')).archived).toBe(true);
    expect((await db.store.readStream('belt-1')).events).toHaveLength(3);
    await expect(db.store.archiveStream('belt-404')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('reads all events in commit order, filtered by type and by category', async () => {
    await db.store.append('order-1', [...events('OrderPlaced', 1), ...events('OrderShipped', 1)]);
    await db.store.append('invoice-1', events('InvoiceSent', 2));
    await db.store.append('order-2', events('OrderPlaced', 1));
    const byType = await db.store.readAll({
      after: START,
      limit: 100,
      eventTypes: ['OrderPlaced'],
    });
    expect(byType.events.map((e) => e.streamId)).toEqual(['order-1', 'order-2']);
    const byCategory = await db.store.readAll({
      after: START,
      limit: 100,
      categories: ['invoice', 'order'],
    });
    expect(byCategory.events.map((e) => e.type)).toEqual([
      'OrderPlaced',
      'OrderShipped',
      'InvoiceSent',
      'InvoiceSent',
      'OrderPlaced',
    ]);
    expect(byCategory.reachedEnd).toBe(true);
    // A filtered read that found nothing still moves its checkpoint past what it scanned.
    const none = await db.store.readAll({
      after: START,
      limit: 100,
      eventTypes: ['NeverHappened'],
    });
    expect(none.events).toEqual([]);
    expect(none.checkpoint.transactionId).toBeGreaterThan(0);
    const again = await db.store.readAll({ after: none.checkpoint, limit: 100 });
    expect(again.events).toEqual([]);
  });

  it('pages through the log without gaps or repeats', async () => {
    const all: StoredEvent[] = [];
    let after = START;
    for (;;) {
      const page = await readAll(db.pool, { after, limit: 4 });
      all.push(...page.events);
      after = page.checkpoint;
      if (page.reachedEnd) break;
    }
    const { rows } = await db.pool.query<{ id: string }>(
      'select event_id::text as id from hindsight.events order by tx_id, global_position',
    );
    expect(all.map((e) => e.eventId)).toEqual(rows.map((r) => r.id));
  });

  it('makes a cut reproducible: reading up to it gives the same events after more appends', async () => {
    const cut = await db.store.cut();
    const read = async () => {
      const page = await db.store.readAll({
        after: START,
        limit: 10_000,
        until: cut.transactionId,
      });
      return page.events.map((e) => e.eventId);
    };
    const before = await read();
    await db.store.append('order-3', events('OrderPlaced', 5));
    expect(await read()).toEqual(before);
    expect(before.length).toBeGreaterThan(0);
    const later = await db.store.readAll({ after: START, limit: 10_000 });
    expect(later.events.length).toBe(before.length + 5);
  });

  it('keeps checkpoints moving only forwards', async () => {
    await db.store.saveCheckpoint('projector', { transactionId: 100, globalPosition: 5 });
    await db.store.saveCheckpoint('projector', { transactionId: 90, globalPosition: 9 });
    expect((await db.store.loadCheckpoint('projector'))?.position).toEqual({
      transactionId: 100,
      globalPosition: 5,
    });
    expect(await db.store.loadCheckpoint('nobody')).toBeNull();
    await expect(db.store.saveCheckpoint('bad name', START)).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('applies schema migrations once, even when several processes start together', async () => {
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    const name = `hs_test_${inject('testRunId')}_fresh_${Date.now()}`;
    await admin.query(`create database ${name}`);
    const url = new URL(inject('pgAdminUrl'));
    url.pathname = `/${name}`;
    const pools = Array.from({ length: 3 }, () =>
      createPool({ connectionString: url.toString(), max: 2 }),
    );
    try {
      const applied = await Promise.all(pools.map((pool) => migrate(pool)));
      const versions = migrations.map((migration) => migration.version);
      expect(applied.flat()).toEqual(versions);
      expect(await migrate(pools[0]!)).toEqual([]);
      const { rows } = await pools[0]!.query<{ version: number }>(
        'select version from hindsight.schema_migrations',
      );
      expect(rows.map((r) => r.version)).toEqual(versions);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await admin.query(`drop database ${name} with (force)`);
      await admin.end();
    }
  });
});
