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

-- A retried append whose events a migration rewrote meanwhile: it matches when each event
-- equals the stored row, or the original the migration kept. Called only after append_to_stream
-- reported a conflict, so the common path pays nothing for it.
create function hindsight.append_retry_after_migration(
  p_stream_id text,
  p_expected_kind text,
  p_expected_version bigint,
  p_events jsonb
) returns table (stream_version bigint, tx_id xid8, positions bigint[])
language plpgsql stable
as $fn$
declare
  v_count integer := jsonb_array_length(p_events);
  v_found integer;
  v_same integer;
  v_base_min bigint;
  v_base_max bigint;
  v_ok boolean;
begin
  select count(*),
         count(*) filter (
           where ev.stream_id = p_stream_id
             and ev.event_type = i.e->>'type'
             and ev.metadata = i.e->'metadata'
             and (i.e->>'occurred_at' is null
                  or ev.occurred_at = (i.e->>'occurred_at')::timestamptz)
             and ((ev.schema_version = (i.e->>'schema_version')::integer and ev.data = i.e->'data')
                  or exists (select 1 from hindsight.event_revisions r
                              where r.global_position = ev.global_position
                                and r.schema_version = (i.e->>'schema_version')::integer
                                and r.data = i.e->'data'))),
         min(ev.stream_version - i.ord),
         max(ev.stream_version - i.ord)
    into v_found, v_same, v_base_min, v_base_max
    from jsonb_array_elements(p_events) with ordinality as i(e, ord)
    join hindsight.events ev on ev.event_id = (i.e->>'id')::uuid;
  -- Assigned first: inside IF, the CASE's first THEN would end the condition.
  v_ok := v_found = v_count and v_same = v_count and v_base_min = v_base_max
    and case p_expected_kind
          when 'exact' then v_base_min = p_expected_version
          when 'no_stream' then v_base_min = 0
          else true
        end;
  if v_ok then
    return query
      select v_base_min + v_count, min(ev.tx_id),
             array_agg(ev.global_position order by ev.stream_version)
        from hindsight.events ev
       where ev.stream_id = p_stream_id
         and ev.stream_version > v_base_min and ev.stream_version <= v_base_min + v_count;
  end if;
end;
$fn$;
`;
