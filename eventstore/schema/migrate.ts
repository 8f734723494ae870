// Applies pending schema migrations, each in its own transaction, under an advisory lock so
// that several processes starting at once apply each migration exactly once. The store's own
// migrations and a projection's (which keeps its tables and its version record) share it.
import type pg from 'pg';
import { migrations as all, type Migration } from './migrations.js';

const MIGRATION_LOCK = 1213420370;
/** Namespace of the two-key advisory locks that serialise projections' migrations. */
const PROJECTION_MIGRATION_LOCK = 1213420372;

/** Where a set of migrations records what it applied, and the lock that serialises it. */
interface Ledger {
  /** In error messages, e.g. "schema migration". */
  what: string;
  lock: { sql: string; unlock: string; values: unknown[] };
  /** Creates the record table if needed. */
  ensure: string;
  applied: { text: string; values: unknown[] };
  record: (migration: Migration) => { text: string; values: unknown[] };
}

const applyMigrations = async (
  pool: pg.Pool,
  ledger: Ledger,
  migrations: readonly Migration[],
): Promise<number[]> => {
  const client = await pool.connect();
  try {
    await client.query(ledger.lock.sql, ledger.lock.values);
    await client.query(`create schema if not exists hindsight; ${ledger.ensure}`);
    const { rows } = await client.query<{ version: number }>(ledger.applied);
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query(ledger.record(migration));
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(
          `${ledger.what} ${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query(ledger.lock.unlock, ledger.lock.values).catch(() => undefined);
    client.release();
  }
};

/** The event store's own schema; returns the versions applied. */
export const migrate = (pool: pg.Pool, migrations: readonly Migration[] = all): Promise<number[]> =>
  applyMigrations(
    pool,
    {
      what: 'schema migration',
      lock: {
        sql: 'select pg_advisory_lock($1)',
        unlock: 'select pg_advisory_unlock($1)',
        values: [MIGRATION_LOCK],
      },
      ensure: `create table if not exists hindsight.schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now())`,
      applied: { text: 'select version from hindsight.schema_migrations', values: [] },
      record: ({ version, name }) => ({
        text: 'insert into hindsight.schema_migrations (version, name) values ($1, $2)',
        values: [version, name],
      }),
    },
    migrations,
  );

/**
 * A projection's tables (e.g. live evaluation's), versioned apart from the store's in
 * hindsight.projection_migrations under a lock of their own; returns the versions applied.
 */
export const migrateProjection = (
  pool: pg.Pool,
  projection: string,
  migrations: readonly Migration[],
): Promise<number[]> =>
  applyMigrations(
    pool,
    {
      what: `${projection} migration`,
      lock: {
        sql: 'select pg_advisory_lock($1, hashtext($2))',
        unlock: 'select pg_advisory_unlock($1, hashtext($2))',
        values: [PROJECTION_MIGRATION_LOCK, projection],
      },
      ensure: `create table if not exists hindsight.projection_migrations (
        projection text not null,
        version integer not null,
        name text not null,
        applied_at timestamptz not null default now(),
        primary key (projection, version))`,
      applied: {
        text: 'select version from hindsight.projection_migrations where projection = $1',
        values: [projection],
      },
      record: ({ version, name }) => ({
        text: `insert into hindsight.projection_migrations (projection, version, name)
               values ($1, $2, $3)`,
        values: [projection, version, name],
      }),
    },
    migrations,
  );
