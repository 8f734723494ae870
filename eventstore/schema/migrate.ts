// Applies pending schema migrations, each in its own transaction, under an advisory lock so
// that several processes starting at once apply each migration exactly once.
import type pg from 'pg';
import { migrations as all, type Migration } from './migrations.js';

const MIGRATION_LOCK = 1213420370;

export const migrate = async (
  pool: pg.Pool,
  migrations: readonly Migration[] = all,
): Promise<number[]> => {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`create schema if not exists hindsight;
      create table if not exists hindsight.schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now())`);
    const { rows } = await client.query<{ version: number }>(
      'select version from hindsight.schema_migrations',
    );
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query(
          'insert into hindsight.schema_migrations (version, name) values ($1, $2)',
          [migration.version, migration.name],
        );
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(
          `schema migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
};
