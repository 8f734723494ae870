// The quarantine: events a feature view went on without, because its upcasters failed on them or
// its reducer threw. Written idempotently (dataset batches are retried, live followers restart):
// the first record of an event for one view code and upcasters stays.
import { ValidationError } from './errors.js';
import type { Sql } from './sql.js';
import type { Position } from './types.js';

/** Which code quarantined: the view's code and the upcasters it read through. */
export interface QuarantineKey {
  view: string;
  codeHash: string;
  upcastersHash: string;
}

/**
 * 'upcast': the upcasters failed on it; 'apply': the view's reducer threw on it; 'schema': a
 * platform event (e.g. a PredictionMade the live evaluation joins) does not fit its schema. A
 * dataset counts only the first two: it never reads platform events.
 */
export type QuarantineStage = 'upcast' | 'apply' | 'schema';

export interface QuarantinedEventRecord {
  eventId: string;
  streamId: string;
  type: string;
  schemaVersion: number;
  position: Position;
  stage: QuarantineStage;
  reason: string;
}

export interface QuarantinedEventEntry extends QuarantinedEventRecord, QuarantineKey {
  quarantinedAt: number;
}

export interface ListQuarantinedOptions {
  /** Only this view's; omitted: every view's. */
  view?: string;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
}

export const MAX_QUARANTINE_LIST = 1000;

export const recordQuarantined = async (
  sql: Sql,
  key: QuarantineKey,
  events: readonly QuarantinedEventRecord[],
): Promise<number> => {
  if (events.length === 0) return 0;
  const column = <T>(pick: (event: QuarantinedEventRecord) => T): T[] => events.map(pick);
  const { rowCount } = await sql.query(
    /* sql */ `insert into hindsight.quarantined_events
      (view_name, code_hash, upcasters_hash, global_position, tx_id, event_id, stream_id,
       event_type, schema_version, stage, reason)
      select $1, $2, $3, q.position, q.tx::text::xid8, q.event_id, q.stream_id, q.event_type,
             q.schema_version, q.stage, q.reason
        from unnest($4::bigint[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::int[],
                    $10::text[], $11::text[])
          as q(position, tx, event_id, stream_id, event_type, schema_version, stage, reason)
      on conflict do nothing`,
    [
      key.view,
      key.codeHash,
      key.upcastersHash,
      column((e) => e.position.globalPosition),
      column((e) => String(e.position.transactionId)),
      column((e) => e.eventId),
      column((e) => e.streamId),
      column((e) => e.type),
      column((e) => e.schemaVersion),
      column((e) => e.stage),
      column((e) => e.reason),
    ],
  );
  return rowCount ?? 0;
};

/** How many events this view code quarantined below a cut: what a dataset at that cut left out. */
export const countQuarantined = async (
  sql: Sql,
  key: QuarantineKey,
  belowTransactionId: number,
): Promise<number> => {
  const { rows } = await sql.query<{ n: string }>(
    /* sql */ `select count(*) as n from hindsight.quarantined_events
      where view_name = $1 and code_hash = $2 and upcasters_hash = $3
        and tx_id < $4::text::xid8 and stage <> 'schema'`,
    [key.view, key.codeHash, key.upcastersHash, String(belowTransactionId)],
  );
  return Number(rows[0]?.n ?? 0);
};

interface QuarantineRow {
  view_name: string;
  code_hash: string;
  upcasters_hash: string;
  global_position: string;
  tx_id: string;
  event_id: string;
  stream_id: string;
  event_type: string;
  schema_version: number;
  stage: QuarantineStage;
  reason: string;
  quarantined_at: Date;
}

/** The quarantined events, newest first. */
export const listQuarantined = async (
  sql: Sql,
  { view, limit = 100 }: ListQuarantinedOptions = {},
): Promise<QuarantinedEventEntry[]> => {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUARANTINE_LIST) {
    throw new ValidationError(
      'limit',
      `must be an integer from 1 to ${MAX_QUARANTINE_LIST}, got ${limit}`,
    );
  }
  const { rows } = await sql.query<QuarantineRow>(
    /* sql */ `select view_name, code_hash, upcasters_hash, global_position, tx_id::text as tx_id,
            event_id::text as event_id, stream_id, event_type, schema_version, stage, reason,
            quarantined_at
       from hindsight.quarantined_events
      where $1::text is null or view_name = $1
      order by quarantined_at desc, global_position desc
      limit $2`,
    [view ?? null, limit],
  );
  return rows.map((row) => ({
    view: row.view_name,
    codeHash: row.code_hash,
    upcastersHash: row.upcasters_hash,
    eventId: row.event_id,
    streamId: row.stream_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    position: { transactionId: Number(row.tx_id), globalPosition: Number(row.global_position) },
    stage: row.stage,
    reason: row.reason,
    quarantinedAt: row.quarantined_at.getTime(),
  }));
};
