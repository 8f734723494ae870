import { flushWalTogether } from './flushWal.js';
import { STORED_EVENT_COLUMNS, type Sql } from './sql.js';
import {
  comparePositions,
  type LogFilter,
  type Position,
  type ReadAllPage,
  type StoredEvent,
} from './types.js';

export interface ReadAllOptions extends LogFilter {
  /** Return events after this position. */
  after: Position;
  limit: number;
  /** Read only below this cut's transaction id. */
  until?: number;
}

/**
 * One page of the global log in commit order, (tx_id, global_position), returning only rows
 * below the visibility horizon: every transaction that could still commit has an id at or
 * above it, so nothing can later appear behind a checkpoint. A position-only reader would
 * skip events whose transaction commits late.
 *
 * At the end of the log the checkpoint moves up to the horizon only once the WAL written before
 * it was read is on disk: PostgreSQL hands out again, after a crash, the transaction ids whose
 * WAL was lost (an asynchronously committed or rolled-back transaction's), and an event in such
 * a reused id would land behind the checkpoint. A page with events then ends at its last event,
 * which is safe (its own commit was flushed, so no id below it is reused); an empty one flushes.
 */
export const readAll = async (sql: Sql, options: ReadAllOptions): Promise<ReadAllPage> => {
  const { after, limit, until, eventTypes, categories } = options;
  const params: unknown[] = [after.transactionId, after.globalPosition, limit, until ?? null];
  const conditions = [
    '(e.tx_id, e.global_position) > ($1::text::xid8, $2::bigint)',
    'e.tx_id < h.bound',
  ];
  if (eventTypes?.length) {
    params.push(eventTypes);
    conditions.push(`e.event_type = any($${params.length}::text[])`);
  }
  if (categories?.length) {
    params.push(categories);
    conditions.push(`e.category = any($${params.length}::text[])`);
  }
  // A named statement, one per shape of filter: parsed once per connection. Parsing is most of
  // the cost of a live reader's read, which usually finds nothing new (about 240 µs of
  // PostgreSQL's CPU unnamed, 55 named).
  const { rows } = await sql.query<StoredEvent & { bound: number; durable: boolean }>({
    name: `hindsight_read_all${eventTypes?.length ? '_types' : ''}${categories?.length ? '_categories' : ''}`,
    text: /* sql */ `
    with h as (
      select case when $4::text is null then pg_snapshot_xmin(pg_current_snapshot())
                  else least(pg_snapshot_xmin(pg_current_snapshot()), $4::text::xid8) end as bound,
             -- A cut's horizon is durable already; the statement's snapshot was taken before
             -- these positions are read, so the comparison errs on the safe side.
             ($4::text is not null and $4::text::xid8 <= pg_snapshot_xmin(pg_current_snapshot()))
               or pg_current_wal_flush_lsn() >= pg_current_wal_insert_lsn() as durable
    )
    select h.bound, h.durable, ev.*
      from h
      left join lateral (
        select ${STORED_EVENT_COLUMNS}
          from hindsight.events e
         where ${conditions.join(' and ')}
         order by e.tx_id, e.global_position
         limit $3
      ) ev on true`,
    values: params,
  });
  const bound = rows[0]?.bound ?? 0;
  const durable = rows[0]?.durable ?? false;
  const events =
    rows[0]?.eventId === null
      ? []
      : rows.map(({ bound: _bound, durable: _durable, ...event }) => event);
  const last = events.at(-1);
  if (events.length === limit && last) {
    return {
      events,
      checkpoint: { transactionId: last.transactionId, globalPosition: last.globalPosition },
      reachedEnd: false,
    };
  }
  // Everything below the bound has been read: continue from there, never from behind `after`.
  // A bound not durable yet is made durable when it is all this read has to give; a page of
  // events is not held up by a flush: it ends at its last event, whose own commit was flushed.
  let end: Position = { transactionId: bound, globalPosition: 0 };
  if (!durable && comparePositions(end, after) > 0) {
    if (last) end = { transactionId: last.transactionId, globalPosition: last.globalPosition };
    else await flushWalTogether(sql);
  }
  return { events, checkpoint: comparePositions(end, after) > 0 ? end : after, reachedEnd: true };
};
