// The store as an operator browses it: its categories, streams, latest events, head and how far
// each durable subscription is behind. Every query is bounded by a page size and walks an index
// (keyset pages, never OFFSET). Events come back as stored, before upcasting.
import { STORED_EVENT_COLUMNS, type Sql } from './sql.js';
import type { Position, StoredEvent } from './types.js';

export interface CategorySummary {
  category: string;
  streams: number;
}

export interface StreamSummary {
  streamId: string;
  category: string;
  version: number;
  archived: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface CheckpointLag {
  name: string;
  position: Position;
  updatedAt: number;
  /** Events committed after the checkpoint, in log order, counted up to the cap asked for. */
  behind: number;
}

/** Categories after `after` in name order: a loose index scan, one probe per category. */
export const listCategories = async (
  sql: Sql,
  { after = '', limit }: { after?: string; limit: number },
): Promise<CategorySummary[]> => {
  const { rows } = await sql.query<{ category: string; streams: string }>(
    /* sql */ `
    with recursive categories(category) as (
      (select category from hindsight.streams where category > $1 order by category limit 1)
      union all
      select (select s.category from hindsight.streams s
               where s.category > c.category order by s.category limit 1)
        from categories c where c.category is not null
    )
    select c.category,
           (select count(*) from hindsight.streams s where s.category = c.category) as streams
      from (select category from categories where category is not null limit $2) c`,
    [after, limit],
  );
  return rows.map((row) => ({ category: row.category, streams: Number(row.streams) }));
};

const STREAM_COLUMNS = /* sql */ `stream_id as "streamId", category, version, archived,
  (extract(epoch from created_at) * 1000)::int8 as "createdAt",
  (extract(epoch from updated_at) * 1000)::int8 as "updatedAt"`;

/** Streams in (category, stream id) order after `after`, of one category if given. */
export const listStreams = async (
  sql: Sql,
  {
    category,
    after = ['', ''],
    limit,
  }: { category?: string; after?: readonly [string, string]; limit: number },
): Promise<StreamSummary[]> => {
  const { rows } = await sql.query<StreamSummary>(
    /* sql */ `
    select ${STREAM_COLUMNS}
      from hindsight.streams
     where ($1::text is null or category = $1)
       and (category, stream_id) > ($2, $3)
     order by category, stream_id
     limit $4`,
    [category ?? null, after[0], after[1], limit],
  );
  return rows;
};

/** One stream's summary, or null when there is no such stream. */
export const findStream = async (sql: Sql, streamId: string): Promise<StreamSummary | null> => {
  const { rows } = await sql.query<StreamSummary>(
    `select ${STREAM_COLUMNS} from hindsight.streams where stream_id = $1`,
    [streamId],
  );
  return rows[0] ?? null;
};

/**
 * The latest events in commit order, newest first, before `before` if given, of one category,
 * one type and one stream if given; category and type each have an index in that order (a
 * stream's events are a range of the category's). Payloads as stored.
 */
export const recentEvents = async (
  sql: Sql,
  {
    category,
    type,
    streamId,
    before,
    limit,
  }: { category?: string; type?: string; streamId?: string; before?: Position; limit: number },
): Promise<StoredEvent[]> => {
  const { rows } = await sql.query<StoredEvent>(
    /* sql */ `
    select ${STORED_EVENT_COLUMNS}
      from hindsight.events e
     where ($1::text is null or e.category = $1)
       and ($2::text is null or e.event_type = $2)
       and ($3::text is null or e.stream_id = $3)
       and ($4::text is null or (e.tx_id, e.global_position) < ($4::text::xid8, $5::bigint))
     order by e.tx_id desc, e.global_position desc
     limit $6`,
    [
      category ?? null,
      type ?? null,
      streamId ?? null,
      before ? String(before.transactionId) : null,
      before?.globalPosition ?? 0,
      limit,
    ],
  );
  return rows;
};

/** Which end of the log order a search starts from. */
type Direction = 'asc' | 'desc';

const eventWhere = async (
  sql: Sql,
  direction: Direction,
  {
    category,
    type,
    field,
    equals,
  }: { category: string; type: string; field: string; equals: string },
): Promise<StoredEvent | null> => {
  const { rows } = await sql.query<StoredEvent>(
    /* sql */ `
    select ${STORED_EVENT_COLUMNS}
      from hindsight.events e
     where e.category = $1 and e.event_type = $2 and e.data->>$3 = $4
     order by e.tx_id ${direction}, e.global_position ${direction}
     limit 1`,
    [category, type, field, equals],
  );
  return rows[0] ?? null;
};

/**
 * The newest event of one type in one category whose data has `field` equal to `equals`, or
 * null. It walks the category's index newest first and stops at the first match, so it is cheap
 * while matches are recent or the category small (payloads have no index of their own).
 */
export const latestEventWhere = (
  sql: Sql,
  options: { category: string; type: string; field: string; equals: string },
): Promise<StoredEvent | null> => eventWhere(sql, 'desc', options);

/** The oldest event in log order of a type in a category whose data field equals a value. */
export const firstEventWhere = (
  sql: Sql,
  options: { category: string; type: string; field: string; equals: string },
): Promise<StoredEvent | null> => eventWhere(sql, 'asc', options);

export interface RecordingRate {
  /** Events recorded in each minute since `since` that had any, by the minute's start (ms). */
  minutes: { at: number; events: number }[];
  /** Events recorded in the last 60 s, by the database's clock. */
  lastMinute: number;
  /** When the newest event was recorded (ms), or null for an empty log. */
  lastRecordedAt: number | null;
}

/**
 * How fast events are being recorded: per minute since `since`, among the events after global
 * position `after` (an index range, so bounded by the caller), and when the newest was recorded.
 */
export const recordingRate = async (
  sql: Sql,
  { after, since }: { after: number; since: number },
): Promise<RecordingRate> => {
  const { rows } = await sql.query<{
    minute: string;
    events: string;
    last: string;
    recent: string;
  }>(
    /* sql */ `
    select (extract(epoch from date_trunc('minute', recorded_at)) * 1000)::int8 as minute,
           count(*) as events,
           (extract(epoch from max(recorded_at)) * 1000)::int8 as last,
           count(*) filter (where recorded_at >= now() - interval '60 seconds') as recent
      from hindsight.events
     where global_position > $1 and recorded_at >= $2
     group by 1`,
    [after, new Date(since)],
  );
  let lastRecordedAt = rows.reduce((max, row) => Math.max(max, Number(row.last)), 0) || null;
  if (lastRecordedAt === null) {
    // Nothing since then: the newest event's time, by the primary key.
    const { rows: newest } = await sql.query<{
      at: string;
    }>(/* sql */ `select (extract(epoch from recorded_at) * 1000)::int8 as at
        from hindsight.events order by global_position desc limit 1`);
    lastRecordedAt = newest[0] ? Number(newest[0].at) : null;
  }
  return {
    minutes: rows.map((row) => ({ at: Number(row.minute), events: Number(row.events) })),
    lastMinute: rows.reduce((sum, row) => sum + Number(row.recent), 0),
    lastRecordedAt,
  };
};

/** The highest global position handed out so far (0 for an empty log). */
export const headPosition = async (sql: Sql): Promise<number> => {
  const { rows } = await sql.query<{ head: string | null }>(
    'select max(global_position) as head from hindsight.events',
  );
  return Number(rows[0]?.head ?? 0);
};

/** For each position, the events committed after it in log order, counted up to `cap`: one query. */
export const countsAfter = async (
  sql: Sql,
  positions: readonly Position[],
  cap: number,
): Promise<number[]> => {
  if (positions.length === 0) return [];
  const { rows } = await sql.query<{ behind: string }>(
    /* sql */ `
    select (select count(*) from (
              select 1 from hindsight.events e
               where (e.tx_id, e.global_position) > (p.tx::xid8, p.position)
               limit $3) tail) as behind
      from unnest($1::text[], $2::bigint[]) with ordinality as p(tx, position, i)
     order by p.i`,
    [
      positions.map((position) => String(position.transactionId)),
      positions.map((position) => position.globalPosition),
      cap,
    ],
  );
  return rows.map((row) => Number(row.behind));
};

/**
 * Durable subscriptions in name order with how far each is behind: the events committed after
 * its checkpoint, in log order, counted up to `lagCap`. A checkpoint at the `caught_up` position
 * a server sends (global position 0 in a transaction) is measured right.
 */
export const listCheckpointLags = async (
  sql: Sql,
  { limit, lagCap }: { limit: number; lagCap: number },
): Promise<CheckpointLag[]> => {
  const { rows } = await sql.query<{
    name: string;
    tx: string;
    position: string;
    updated_at: string;
    behind: string;
  }>(
    /* sql */ `
    select c.subscription_name as name, c.tx_id::text as tx, c.global_position as position,
           (extract(epoch from c.updated_at) * 1000)::int8 as updated_at,
           (select count(*) from (
              select 1 from hindsight.events e
               where (e.tx_id, e.global_position) > (c.tx_id, c.global_position)
               limit $1) tail) as behind
      from hindsight.checkpoints c
     order by c.subscription_name
     limit $2`,
    [lagCap, limit],
  );
  return rows.map((row) => ({
    name: row.name,
    position: { transactionId: Number(row.tx), globalPosition: Number(row.position) },
    updatedAt: Number(row.updated_at),
    behind: Number(row.behind),
  }));
};
