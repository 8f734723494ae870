// Snapshots of aggregates in PostgreSQL: read the latest valid one, write a newer one, find the
// streams past their policy, and count what there is. A snapshot is a cache: every query here
// matches the aggregate's state schema version and code hash, so a stale row is never used.
import { stateToJson } from '../stateJson.js';
import type { Sql } from '../sql.js';
import type { Aggregate } from './aggregate.js';

export interface StoredSnapshot {
  streamVersion: number;
  /** The state as JSON text (Maps and Sets tagged, see `stateJson.ts`). */
  state: string;
  createdAt: number;
}

const key = (aggregate: Aggregate) => [
  aggregate.type,
  aggregate.stateSchemaVersion,
  aggregate.codeHash,
];

/** The stream's version and its latest valid snapshot; null when the stream does not exist. */
export const readSnapshot = async (
  sql: Sql,
  aggregate: Aggregate,
  streamId: string,
): Promise<{ streamVersion: number; snapshot: StoredSnapshot | null } | null> => {
  const { rows } = await sql.query<{
    version: string;
    snap_version: string | null;
    state: string | null;
    created_at: Date | null;
  }>(
    /* sql */ `
    select s.version, sn.stream_version as snap_version, sn.state::text as state, sn.created_at
      from hindsight.streams s
      left join hindsight.snapshots sn
        on sn.aggregate_type = $2 and sn.stream_id = s.stream_id
       and sn.state_schema_version = $3 and sn.code_hash = $4 and sn.stream_version <= s.version
     where s.stream_id = $1`,
    [streamId, ...key(aggregate)],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    streamVersion: Number(row.version),
    snapshot:
      row.snap_version === null || row.state === null
        ? null
        : {
            streamVersion: Number(row.snap_version),
            state: row.state,
            createdAt: (row.created_at as Date).getTime(),
          },
  };
};

/**
 * Stores the state at `streamVersion` unless a snapshot as new or newer is there already
 * (concurrent snapshotters never move it backwards). Clears the stream's slow-load note.
 * Returns whether the row was written.
 */
export const writeSnapshot = async (
  sql: Sql,
  aggregate: Aggregate,
  streamId: string,
  streamVersion: number,
  state: unknown,
): Promise<boolean> => {
  const { rowCount } = await sql.query(
    /* sql */ `
    with written as (
      insert into hindsight.snapshots as sn
        (aggregate_type, stream_id, state_schema_version, code_hash, stream_version, state)
      values ($1, $4, $2, $3, $5, $6::jsonb)
      on conflict (aggregate_type, stream_id, state_schema_version, code_hash) do update
        set stream_version = excluded.stream_version, state = excluded.state, created_at = now()
        where sn.stream_version < excluded.stream_version
      returning 1
    ), cleared as (
      delete from hindsight.snapshot_hints h
       where h.aggregate_type = $1 and h.stream_id = $4 and exists (select 1 from written)
    )
    select 1 from written`,
    [...key(aggregate), streamId, streamVersion, stateToJson(state)],
  );
  return (rowCount ?? 0) > 0;
};

export const noteSlowLoad = async (
  sql: Sql,
  aggregate: Aggregate,
  streamId: string,
  loadMs: number,
  eventsReplayed: number,
): Promise<void> => {
  await sql.query(
    /* sql */ `
    insert into hindsight.snapshot_hints (aggregate_type, stream_id, load_ms, events_replayed)
    values ($1, $2, $3, $4)
    on conflict (aggregate_type, stream_id) do update
      set load_ms = excluded.load_ms, events_replayed = excluded.events_replayed, noted_at = now()`,
    [aggregate.type, streamId, loadMs, eventsReplayed],
  );
};

export interface DueStream {
  streamId: string;
  version: number;
  snapshotVersion: number;
  /** Why it is due: the policy's event count, or a slow load noted earlier. */
  reason: 'events' | 'slow-load';
}

/**
 * Streams of the aggregate's category past its policy, in stream id order after `after`: one
 * page of at most `limit`, so a snapshot run pages through any number of streams.
 */
export const findDueStreams = async (
  sql: Sql,
  aggregate: Aggregate,
  { after, limit }: { after: string | null; limit: number },
): Promise<{ due: DueStream[]; scanned: number; lastStreamId: string | null }> => {
  const { rows } = await sql.query<{
    stream_id: string;
    version: string;
    snap_version: string;
    hinted: boolean;
  }>(
    /* sql */ `
    select s.stream_id, s.version, coalesce(sn.stream_version, 0) as snap_version,
           h.stream_id is not null as hinted
      from hindsight.streams s
      left join hindsight.snapshots sn
        on sn.aggregate_type = $1 and sn.stream_id = s.stream_id
       and sn.state_schema_version = $2 and sn.code_hash = $3
      left join hindsight.snapshot_hints h
        on h.aggregate_type = $1 and h.stream_id = s.stream_id
     where s.category = $4 and ($5::text is null or s.stream_id > $5)
     order by s.stream_id
     limit $6`,
    [...key(aggregate), aggregate.category, after, limit],
  );
  const due: DueStream[] = [];
  for (const row of rows) {
    const version = Number(row.version);
    const snapshotVersion = Number(row.snap_version);
    if (version <= snapshotVersion) continue;
    if (version - snapshotVersion >= aggregate.policy.everyEvents) {
      due.push({ streamId: row.stream_id, version, snapshotVersion, reason: 'events' });
    } else if (row.hinted) {
      due.push({ streamId: row.stream_id, version, snapshotVersion, reason: 'slow-load' });
    }
  }
  return { due, scanned: rows.length, lastStreamId: rows.at(-1)?.stream_id ?? null };
};

export interface SnapshotStats {
  aggregateType: string;
  category: string;
  codeHash: string;
  stateSchemaVersion: number;
  policy: { everyEvents: number; maxLoadMs: number | null };
  streams: number;
  /** Streams with a snapshot valid for the current code. */
  snapshotted: number;
  /** Streams a snapshot run would take now: past the policy, or noted as slow to load. */
  due: number;
  /** Snapshots of other code or state schema versions: ignored, removed by the next run. */
  stale: number;
  slowLoads: number;
  /** Events after the valid snapshot (or from the start), over the category's streams. */
  tail: { mean: number; max: number };
  lastSnapshotAt: number | null;
}

export const snapshotStats = async (sql: Sql, aggregate: Aggregate): Promise<SnapshotStats> => {
  const [{ rows: current }, { rows: other }] = await Promise.all([
    sql.query<Record<string, string | null>>(
      /* sql */ `
      select count(*) as streams,
             count(sn.stream_id) as snapshotted,
             count(*) filter (where s.version - coalesce(sn.stream_version, 0) >= $5
                                 or (h.stream_id is not null
                                     and s.version > coalesce(sn.stream_version, 0))) as due,
             count(h.stream_id) as slow_loads,
             coalesce(avg(s.version - coalesce(sn.stream_version, 0)), 0) as tail_mean,
             coalesce(max(s.version - coalesce(sn.stream_version, 0)), 0) as tail_max,
             (extract(epoch from max(sn.created_at)) * 1000)::int8 as last_at
        from hindsight.streams s
        left join hindsight.snapshots sn
          on sn.aggregate_type = $1 and sn.stream_id = s.stream_id
         and sn.state_schema_version = $2 and sn.code_hash = $3
        left join hindsight.snapshot_hints h
          on h.aggregate_type = $1 and h.stream_id = s.stream_id
       where s.category = $4`,
      [...key(aggregate), aggregate.category, aggregate.policy.everyEvents],
    ),
    sql.query<{ stale: string }>(
      /* sql */ `
      select count(*) as stale from hindsight.snapshots
       where aggregate_type = $1 and (state_schema_version <> $2 or code_hash <> $3)`,
      key(aggregate),
    ),
  ]);
  const row = current[0] ?? {};
  const count = (name: string): number => Number(row[name] ?? 0);
  return {
    aggregateType: aggregate.type,
    category: aggregate.category,
    codeHash: aggregate.codeHash,
    stateSchemaVersion: aggregate.stateSchemaVersion,
    policy: {
      everyEvents: aggregate.policy.everyEvents,
      maxLoadMs: aggregate.policy.maxLoadMs ?? null,
    },
    streams: count('streams'),
    snapshotted: count('snapshotted'),
    due: count('due'),
    stale: Number(other[0]?.stale ?? 0),
    slowLoads: count('slow_loads'),
    tail: { mean: Math.round(count('tail_mean') * 100) / 100, max: count('tail_max') },
    lastSnapshotAt: row.last_at === null || row.last_at === undefined ? null : Number(row.last_at),
  };
};

/** Removes the aggregate's snapshots made by other code or state schemas; returns how many. */
export const pruneStaleSnapshots = async (sql: Sql, aggregate: Aggregate): Promise<number> => {
  const { rowCount } = await sql.query(
    /* sql */ `
    delete from hindsight.snapshots
     where aggregate_type = $1 and (state_schema_version <> $2 or code_hash <> $3)`,
    key(aggregate),
  );
  return rowCount ?? 0;
};
