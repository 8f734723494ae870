// Streams, events, checkpoints and the append function. See DESIGN.md, "Event store".
export const name = 'event store';

export const sql = /* sql */ `
create table hindsight.streams (
  stream_id text primary key,
  category text not null,
  version bigint not null check (version >= 0),
  archived boolean not null default false,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index streams_by_category on hindsight.streams (category, stream_id);

create table hindsight.events (
  global_position bigint generated always as identity primary key,
  -- Assigned at the transaction's first write, after the stream's advisory lock: readers page
  -- by (tx_id, global_position) below the visibility horizon and never skip a late commit.
  tx_id xid8 not null default pg_current_xact_id(),
  stream_id text not null,
  stream_version bigint not null check (stream_version >= 1),
  event_id uuid not null,
  event_type text not null,
  schema_version integer not null check (schema_version >= 1),
  category text not null,
  data jsonb not null,
  metadata jsonb not null,
  occurred_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  constraint events_stream_version_key unique (stream_id, stream_version),
  constraint events_event_id_key unique (event_id)
);
create index events_commit_order on hindsight.events (tx_id, global_position);
create index events_by_type on hindsight.events (event_type, tx_id, global_position);
create index events_by_category on hindsight.events (category, tx_id, global_position);

create table hindsight.checkpoints (
  subscription_name text primary key,
  tx_id xid8 not null,
  global_position bigint not null,
  updated_at timestamptz not null default now()
);

-- Appends a batch to one stream in one round trip: lock, check, insert.
-- p_events: [{id, type, schema_version, data, metadata, occurred_at (ISO text or null)}].
create function hindsight.append_to_stream(
  p_stream_id text,
  p_category text,
  p_expected_kind text,
  p_expected_version bigint,
  p_events jsonb
) returns table (
  outcome text,
  stream_version bigint,
  stream_exists boolean,
  tx_id xid8,
  positions bigint[],
  conflict_event_id uuid
)
language plpgsql
as $fn$
declare
  v_version bigint;
  v_archived boolean;
  v_count integer := jsonb_array_length(p_events);
  v_found integer;
  v_same integer;
  v_base_min bigint;
  v_base_max bigint;
  v_ok boolean;
begin
  -- First step, before anything can assign a transaction id: serialise appends to this stream,
  -- so transaction ids follow stream versions and the global feed keeps per-stream order.
  perform pg_advisory_xact_lock(1213420371, hashtext(p_stream_id));

  select s.version, s.archived into v_version, v_archived
    from hindsight.streams s where s.stream_id = p_stream_id;

  -- Idempotency: the same ids at the same position return the original result. A retried
  -- batch always repeats its first id, so one probe finds retries; any other reused id is
  -- caught by the unique index at insert time (and the whole append fails).
  if exists (select 1 from hindsight.events ev where ev.event_id = (p_events->0->>'id')::uuid) then
    select count(*),
           count(*) filter (where ev.stream_id = p_stream_id
                            and ev.event_type = i.e->>'type'
                            and ev.schema_version = (i.e->>'schema_version')::integer
                            and ev.data = i.e->'data'
                            and ev.metadata = i.e->'metadata'
                            and (i.e->>'occurred_at' is null
                                 or ev.occurred_at = (i.e->>'occurred_at')::timestamptz)),
           min(ev.stream_version - i.ord),
           max(ev.stream_version - i.ord)
      into v_found, v_same, v_base_min, v_base_max
      from jsonb_array_elements(p_events) with ordinality as i(e, ord)
      join hindsight.events ev on ev.event_id = (i.e->>'id')::uuid;
    v_ok := v_found = v_count and v_same = v_count and v_base_min = v_base_max
      and case p_expected_kind
            when 'exact' then v_base_min = p_expected_version
            when 'no_stream' then v_base_min = 0
            else true
          end;
    if v_ok then
      return query
        select 'duplicate'::text, v_base_min + v_count, true, min(ev.tx_id),
               array_agg(ev.global_position order by ev.stream_version), null::uuid
          from hindsight.events ev
         where ev.stream_id = p_stream_id
           and ev.stream_version > v_base_min and ev.stream_version <= v_base_min + v_count;
    else
      return query select 'id_conflict'::text, coalesce(v_version, 0), v_version is not null,
                          null::xid8, null::bigint[], (p_events->0->>'id')::uuid;
    end if;
    return;
  end if;

  if v_archived then
    return query select 'archived'::text, v_version, true, null::xid8, null::bigint[], null::uuid;
    return;
  end if;

  v_ok := case p_expected_kind
            when 'no_stream' then v_version is null
            when 'stream_exists' then v_version is not null
            when 'exact' then coalesce(v_version, 0) = p_expected_version
            else true
          end;
  if not v_ok then
    return query select 'wrong_version'::text, coalesce(v_version, 0), v_version is not null,
                        null::xid8, null::bigint[], null::uuid;
    return;
  end if;

  return query
  with inserted as (
    insert into hindsight.events
      (stream_id, stream_version, event_id, event_type, schema_version, category, data, metadata,
       occurred_at)
    select p_stream_id, coalesce(v_version, 0) + i.ord, (i.e->>'id')::uuid, i.e->>'type',
           (i.e->>'schema_version')::integer, p_category, i.e->'data', i.e->'metadata',
           coalesce((i.e->>'occurred_at')::timestamptz, now())
      from jsonb_array_elements(p_events) with ordinality as i(e, ord)
     order by i.ord
    returning events.global_position, events.stream_version
  )
  select 'appended'::text, coalesce(v_version, 0) + v_count, true, pg_current_xact_id(),
         array_agg(inserted.global_position order by inserted.stream_version), null::uuid
    from inserted;

  if v_version is null then
    insert into hindsight.streams (stream_id, category, version)
    values (p_stream_id, p_category, v_count);
  else
    update hindsight.streams s set version = v_version + v_count, updated_at = now()
     where s.stream_id = p_stream_id;
  end if;

  -- No NOTIFY here: a notifying transaction holds the cluster-wide notify lock through its
  -- commit's WAL flush, which serialises every append's commit (8x slower under 16 writers).
  -- The caller announces the commit afterwards (see notifier.ts).
end;
$fn$;
`;
