// Quarantined events: an event that a feature view could not read (its upcasters failed on it)
// or whose reducer threw on it. The view goes on without it; this table says which, why and
// since when, once per view code and upcasters (dataset batches and live followers both write it,
// so every write is idempotent).
export const name = 'quarantined events';

export const sql = /* sql */ `
create table hindsight.quarantined_events (
  view_name text not null,
  code_hash text not null,
  upcasters_hash text not null,
  global_position bigint not null,
  tx_id xid8 not null,
  event_id uuid not null,
  stream_id text not null,
  event_type text not null,
  schema_version integer not null,
  -- 'upcast': the upcasters failed on it; 'apply': the view's reducer threw on it.
  stage text not null check (stage in ('upcast', 'apply', 'schema')),
  reason text not null,
  quarantined_at timestamptz not null default now(),
  primary key (view_name, code_hash, upcasters_hash, global_position)
);
create index quarantined_events_recent on hindsight.quarantined_events (quarantined_at desc);
`;
