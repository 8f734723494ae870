// Aggregate snapshots, feature-view state at cuts, and upcasting migrations with the original
// payloads they replaced. See DESIGN.md, "Event store" (snapshots are a cache; upcasting).
export const name = 'snapshots and upcasting migrations';

export const sql = /* sql */ `
-- One row per stream, aggregate type, state schema and reducer code: a changed reducer or state
-- schema never matches an old row, so it is rebuilt from the log, never read as a wrong state.
create table hindsight.snapshots (
  aggregate_type text not null,
  stream_id text not null,
  stream_version bigint not null check (stream_version >= 1),
  state_schema_version integer not null check (state_schema_version >= 1),
  code_hash text not null,
  state jsonb not null,
  created_at timestamptz not null default now(),
  primary key (aggregate_type, stream_id, state_schema_version, code_hash)
);

-- Streams whose last load took longer than their policy allows: the next snapshot run takes them.
create table hindsight.snapshot_hints (
  aggregate_type text not null,
  stream_id text not null,
  load_ms double precision not null,
  events_replayed bigint not null,
  noted_at timestamptz not null default now(),
  primary key (aggregate_type, stream_id)
);

-- A feature view's state at a cut (gzipped JSON of its run snapshot): a later dataset of the
-- same code resumes from it instead of replaying the log from the start.
create table hindsight.view_snapshots (
  view_name text not null,
  view_version integer not null,
  code_hash text not null,
  -- The upcasters shape what the view reads: other upcaster code, other rows.
  upcasters_hash text not null,
  cut_tx bigint not null,
  last_tx bigint not null,
  last_position bigint not null,
  events bigint not null,
  labelled_rows bigint not null,
  dataset_digest text not null,
  dataset_run_id text not null,
  state bytea not null,
  created_at timestamptz not null default now(),
  primary key (view_name, code_hash, upcasters_hash, cut_tx)
);

create table hindsight.migrations (
  migration_id text primary key,
  event_type text not null,
  to_version integer not null check (to_version >= 2),
  -- Events of the type below this transaction id and below to_version are the migration's scope.
  cut_tx bigint not null,
  status text not null check (status in ('running', 'completed', 'failed', 'undoing', 'undone')),
  total bigint not null,
  migrated bigint not null default 0,
  last_tx bigint not null default 0,
  last_position bigint not null default 0,
  digest_before text,
  digest_after text,
  restored bigint not null default 0,
  restore_position bigint not null default 0,
  error text,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
-- Two migrations of one event type at once would fight over the same rows.
create unique index migrations_one_active_per_type on hindsight.migrations (event_type)
  where status in ('running', 'undoing');

create table hindsight.event_revisions (
  migration_id text not null references hindsight.migrations (migration_id),
  global_position bigint not null,
  tx_id xid8 not null,
  event_id uuid not null,
  schema_version integer not null,
  data jsonb not null,
  primary key (migration_id, global_position)
);
`;
