// Group commit: appends to several streams in one transaction, each with its own expected
// version and its own outcome. Concurrent single appends share a commit instead of paying for
// one each. See eventstore/groupCommit.ts.
export const name = 'group commit of appends to several streams';

export const sql = /* sql */ `
create function hindsight.append_to_streams(
  p_stream_ids text[],
  p_categories text[],
  p_expected_kinds text[],
  p_expected_versions bigint[],
  p_batches jsonb[]
) returns table (
  ord integer,
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
  i integer;
begin
  -- Every stream's lock before anything assigns the transaction id, as append_to_stream does for
  -- one stream: transaction ids keep following stream versions. One order (the lock keys') for
  -- every group, so two groups never wait on each other in a circle.
  perform pg_advisory_xact_lock(1213420371, keys.k)
     from (select distinct hashtext(s) as k from unnest(p_stream_ids) as s order by 1) keys;
  for i in 1 .. coalesce(array_length(p_stream_ids, 1), 0) loop
    return query
      select i, r.*
        from hindsight.append_to_stream(p_stream_ids[i], p_categories[i], p_expected_kinds[i],
                                        p_expected_versions[i], p_batches[i]) r;
  end loop;
end;
$fn$;
`;
