// The live evaluation projection's own tables, migrated by the projection (not the event store)
// under its own advisory lock and version record. Version 1 is what the store's retired
// migration 3 created, written so that on such a database it changes nothing.
import type pg from 'pg';

export const LIVE_EVALUATION_PROJECTION = 'live-evaluation';

/** Namespace of the two-key advisory locks that serialise projections' migrations. */
const PROJECTION_MIGRATION_LOCK = 1213420372;

export interface ProjectionMigration {
  version: number;
  name: string;
  sql: string;
}

export const liveEvaluationMigrations: readonly ProjectionMigration[] = [
  {
    version: 1,
    name: 'live evaluation of predictions',
    sql: /* sql */ `
-- One row per live evaluation (one model, one feature view): where it has read the log to, and
-- the view's state there (gzipped JSON), which its outcomes come from.
create table if not exists hindsight.live_evaluations (
  name text primary key,
  model_name text not null,
  view_name text not null,
  code_hash text not null,
  upcasters_hash text not null,
  last_tx xid8 not null,
  last_position bigint not null,
  state bytea not null,
  events bigint not null default 0,
  -- Everything committed before this time had been read at the last advance.
  caught_up_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Each prediction of the model, and its outcome once the view labelled its entity.
create table if not exists hindsight.live_predictions (
  evaluation text not null references hindsight.live_evaluations (name) on delete cascade,
  prediction_id uuid not null,
  model_version text not null,
  entity_id text not null,
  score double precision not null check (score >= 0 and score <= 1),
  predicted_at timestamptz not null,
  tx_id xid8 not null,
  global_position bigint not null,
  label smallint check (label in (0, 1)),
  labelled_at timestamptz,
  label_tx xid8,
  label_position bigint,
  primary key (evaluation, prediction_id),
  check ((label is null) = (labelled_at is null))
);
create index if not exists live_predictions_by_time
  on hindsight.live_predictions (evaluation, predicted_at);
create index if not exists live_predictions_pending
  on hindsight.live_predictions (evaluation, entity_id) where label is null;
`,
  },
];

/**
 * Applies a projection's pending migrations, each in its own transaction, once even when several
 * workers start together; returns the versions applied.
 */
export const migrateProjection = async (
  pool: pg.Pool,
  projection: string,
  migrations: readonly ProjectionMigration[],
): Promise<number[]> => {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1, hashtext($2))', [
      PROJECTION_MIGRATION_LOCK,
      projection,
    ]);
    await client.query(`create schema if not exists hindsight;
      create table if not exists hindsight.projection_migrations (
        projection text not null,
        version integer not null,
        name text not null,
        applied_at timestamptz not null default now(),
        primary key (projection, version))`);
    const { rows } = await client.query<{ version: number }>(
      'select version from hindsight.projection_migrations where projection = $1',
      [projection],
    );
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query(
          `insert into hindsight.projection_migrations (projection, version, name)
           values ($1, $2, $3)`,
          [projection, migration.version, migration.name],
        );
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(
          `${projection} migration ${migration.version} (${migration.name}) failed: ` +
            (error as Error).message,
          { cause: error },
        );
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client
      .query('select pg_advisory_unlock($1, hashtext($2))', [PROJECTION_MIGRATION_LOCK, projection])
      .catch(() => undefined);
    client.release();
  }
};

/** Creates or updates the live evaluation projection's tables; idempotent. */
export const migrateLiveEvaluation = (pool: pg.Pool): Promise<number[]> =>
  migrateProjection(pool, LIVE_EVALUATION_PROJECTION, liveEvaluationMigrations);
