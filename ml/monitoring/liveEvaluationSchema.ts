// The live evaluation projection's own tables, migrated by the projection (not the event store)
// under its own advisory lock and version record. Version 1 is what the store's retired
// migration 3 created, written so that on such a database it changes nothing.
import type pg from 'pg';
import { migrateProjection, type Migration } from '../../eventstore/index.js';

export const LIVE_EVALUATION_PROJECTION = 'live-evaluation';

export const liveEvaluationMigrations: readonly Migration[] = [
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

/** Creates or updates the live evaluation projection's tables; idempotent. */
export const migrateLiveEvaluation = (pool: pg.Pool): Promise<number[]> =>
  migrateProjection(pool, LIVE_EVALUATION_PROJECTION, liveEvaluationMigrations);
