// A private database per test file, with the schema migrated and an event store on it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createEventStore, type EventStore } from '../../eventstore/eventStore.js';
import { createClient, createPool } from '../../eventstore/pool.js';
import { migrate } from '../../eventstore/schema/migrate.js';
import type { UpcasterRegistry } from '../../eventstore/upcasting/upcasters.js';

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  store: EventStore;
  /** Row counts and a digest of every event-store table, to prove that nothing changed. */
  snapshot(): Promise<string>;
  drop(): Promise<void>;
}

const withDatabaseName = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

export const createTestDatabase = async (
  options: { pollIntervalMs?: number; upcasters?: UpcasterRegistry } = {},
): Promise<TestDatabase> => {
  const adminUrl = inject('pgAdminUrl');
  const name = `hs_test_${inject('testRunId')}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = withDatabaseName(adminUrl, name);
  const pool = createPool({ connectionString: url, max: 40, applicationName: 'hindsight-test' });
  await migrate(pool);
  const store = createEventStore({
    pool,
    listenClient: () => createClient(url, 'hindsight-test-listen'),
    pollIntervalMs: options.pollIntervalMs ?? 200,
    upcasters: options.upcasters,
  });
  return {
    url,
    pool,
    store,
    snapshot: async () => {
      const { rows } = await pool.query<{ digest: string }>(`
        select concat_ws('|',
          (select count(*) || ':' || coalesce(md5(string_agg(e::text, ',' order by global_position)), '') from hindsight.events e),
          (select count(*) || ':' || coalesce(md5(string_agg(s::text, ',' order by stream_id)), '') from hindsight.streams s),
          (select count(*) || ':' || coalesce(md5(string_agg(c::text, ',' order by subscription_name)), '') from hindsight.checkpoints c),
          (select count(*) || ':' || coalesce(md5(string_agg(x::text, ',' order by aggregate_type, stream_id, code_hash)), '') from hindsight.snapshots x),
          (select count(*) || ':' || coalesce(md5(string_agg(m::text, ',' order by migration_id)), '') from hindsight.migrations m),
          (select count(*) || ':' || coalesce(md5(string_agg(r::text, ',' order by migration_id, global_position)), '') from hindsight.event_revisions r)
        ) as digest`);
      return rows[0]?.digest ?? '';
    },
    drop: async () => {
      await store.close();
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
};

/**
 * Counts the reads of the log (the store's named read statements) that go through `pool`; other
 * queries on it, e.g. a WAL flush after an empty read, are not counted.
 */
export const countLogReads = (pool: pg.Pool): (() => number) => {
  let reads = 0;
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
    const name = (args[0] as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && name.startsWith('hindsight_read_all')) reads += 1;
    return query(...args);
  };
  return () => reads;
};

export interface StoreCountingReads {
  store: EventStore;
  /** Its own pool for reads of the log. */
  reads: pg.Pool;
  /** Reads of the log so far (other queries on the pool, e.g. a WAL flush, are not counted). */
  checkouts: () => number;
  close: () => Promise<void>;
}

/**
 * An event store on `db` whose log reads go through a pool of their own (`connections`), where
 * every read of the log is counted; it polls once a minute, so only notifications and requests
 * make it read.
 */
export const storeCountingReads = (db: TestDatabase, connections = 2): StoreCountingReads => {
  const reads = createPool({ connectionString: db.url, max: connections });
  const checkouts = countLogReads(reads);
  const store = createEventStore({
    pool: db.pool,
    logReadPool: reads,
    listenClient: () => createClient(db.url),
    pollIntervalMs: 60_000,
  });
  return {
    store,
    reads,
    checkouts,
    close: async () => {
      await store.close();
      if (!reads.ended) await reads.end();
    },
  };
};
