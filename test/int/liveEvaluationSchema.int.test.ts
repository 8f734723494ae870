// The live evaluation projection migrates its own tables: a fresh database gets the tables the
// store's retired migration 3 made, and on a database that migration made, applying changes
// nothing but the projection's version record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { migrate } from '../../eventstore/index.js';
import { migrations } from '../../eventstore/schema/migrations.js';
import {
  LIVE_EVALUATION_PROJECTION,
  migrateLiveEvaluation,
} from '../../ml/monitoring/liveEvaluationSchema.js';
import { liveEvaluationPositions } from '../../ml/monitoring/liveEvaluationTables.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The store's migration 3 as it was released (eventstore/schema/0003_live_evaluation.ts).
const RETIRED_0003 = /* sql */ `
create table hindsight.live_evaluations (
  name text primary key,
  model_name text not null,
  view_name text not null,
  code_hash text not null,
  upcasters_hash text not null,
  last_tx xid8 not null,
  last_position bigint not null,
  state bytea not null,
  events bigint not null default 0,
  caught_up_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create table hindsight.live_predictions (
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
create index live_predictions_by_time on hindsight.live_predictions (evaluation, predicted_at);
create index live_predictions_pending on hindsight.live_predictions (evaluation, entity_id)
  where label is null;
`;

/** The projection's tables as the catalog describes them: columns, constraints, indexes. */
const describeTables = async (pool: pg.Pool): Promise<unknown> => {
  const tables = ['live_evaluations', 'live_predictions'];
  const columns = await pool.query(
    `select table_name, column_name, data_type, is_nullable, column_default, ordinal_position
       from information_schema.columns
      where table_schema = 'hindsight' and table_name = any($1)
      order by table_name, ordinal_position`,
    [tables],
  );
  const constraints = await pool.query(
    `select c.conrelid::regclass::text as table_name, c.conname, pg_get_constraintdef(c.oid) as def
       from pg_constraint c
      where c.conrelid in ('hindsight.live_evaluations'::regclass,
                           'hindsight.live_predictions'::regclass)
      order by 1, 2`,
  );
  const indexes = await pool.query(
    `select tablename, indexname, indexdef from pg_indexes
      where schemaname = 'hindsight' and tablename = any($1) order by 1, 2`,
    [tables],
  );
  return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows };
};

const recorded = async (pool: pg.Pool): Promise<number[]> => {
  const { rows } = await pool.query<{ version: number }>(
    'select version from hindsight.projection_migrations where projection = $1 order by version',
    [LIVE_EVALUATION_PROJECTION],
  );
  return rows.map((row) => row.version);
};

describe('the live evaluation projection’s migrations', () => {
  let fresh: TestDatabase;
  let old: TestDatabase;

  beforeAll(async () => {
    [fresh, old] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    // A database of before the move: the store's migration 3 made the tables and recorded 3.
    await old.pool.query(RETIRED_0003);
    await old.pool.query(
      `insert into hindsight.schema_migrations (version, name)
       values (3, 'live evaluation of predictions')`,
    );
  });

  afterAll(async () => {
    await Promise.all([fresh?.drop(), old?.drop()]);
  });

  it('leave the store’s version 3 retired', async () => {
    expect(migrations.map((m) => m.version)).not.toContain(3);
    const { rows } = await fresh.pool.query(
      `select to_regclass('hindsight.live_evaluations') as t`,
    );
    expect(rows[0]).toEqual({ t: null });
    // A database that recorded 3 migrates on as before.
    expect(await migrate(old.pool)).toEqual([]);
  });

  it('read no positions before the tables exist', async () => {
    expect(await liveEvaluationPositions(fresh.pool, 100)).toEqual([]);
  });

  it('give a fresh database the tables the retired migration made, once', async () => {
    const applied = await Promise.all([
      migrateLiveEvaluation(fresh.pool),
      migrateLiveEvaluation(fresh.pool),
      migrateLiveEvaluation(fresh.pool),
    ]);
    expect(applied.flat()).toEqual([1]);
    expect(await recorded(fresh.pool)).toEqual([1]);
    expect(await describeTables(fresh.pool)).toEqual(await describeTables(old.pool));
    expect(await liveEvaluationPositions(fresh.pool, 100)).toEqual([]);
  });

  it('change nothing on a database the retired migration made', async () => {
    await old.pool.query(
      `insert into hindsight.live_evaluations
         (name, model_name, view_name, code_hash, upcasters_hash, last_tx, last_position, state)
       values ('m', 'm', 'v', 'c', 'u', '7'::xid8, 42, '\\x00')`,
    );
    const before = await describeTables(old.pool);
    expect(await migrateLiveEvaluation(old.pool)).toEqual([1]);
    expect(await describeTables(old.pool)).toEqual(before);
    expect(await recorded(old.pool)).toEqual([1]);
    expect(await migrateLiveEvaluation(old.pool)).toEqual([]);
    const positions = await liveEvaluationPositions(old.pool, 100);
    expect(positions.map(({ name, position }) => ({ name, position }))).toEqual([
      { name: 'm', position: { transactionId: 7, globalPosition: 42 } },
    ]);
  });
});
