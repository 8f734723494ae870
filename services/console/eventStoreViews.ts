// The event store as the console shows it: categories, streams, a stream's events, the latest
// events and how far each subscription and live evaluation is behind. Every query is bounded by
// a page size and walks an index (keyset pages, never OFFSET).
import { shownPayload, shownPayloadOfText } from '../../eventstore/index.js';
import { validateStreamId } from '../../eventstore/validation.js';
import type { StoredEvent } from '../../eventstore/types.js';
import type {
  CategoryView,
  EventView,
  Page,
  StreamEvents,
  StreamView,
  Subscriptions,
} from './api.js';
import type { ConsoleDeps } from './deps.js';
import { badRequest, notFound } from './httpError.js';
import {
  decodePage,
  encodePage,
  intParam,
  pageParam,
  pageSizeParam,
  textParam,
  type Query,
} from './params.js';

const CATEGORY = /^[^\s]{1,200}$/;
const EVENT_TYPE = /^[A-Za-z0-9_.:-]{1,200}$/;

export const eventViewOf = (event: StoredEvent): EventView => ({
  globalPosition: event.globalPosition,
  streamId: event.streamId,
  streamVersion: event.streamVersion,
  eventId: event.eventId,
  type: event.type,
  schemaVersion: event.schemaVersion,
  occurredAt: event.occurredAt,
  recordedAt: event.recordedAt,
  data: shownPayloadOfText(event.data),
  metadata: shownPayloadOfText(event.metadata),
  ...(event.upcastError === undefined ? {} : { upcastError: event.upcastError }),
});

const isString = (value: unknown): string => {
  if (typeof value !== 'string') throw new Error('not a string');
  return value;
};

export const listCategories = async (
  { sql }: ConsoleDeps,
  query: Query,
): Promise<Page<CategoryView>> => {
  const pageSize = pageSizeParam(query);
  const after = decodePage(pageParam(query), isString) ?? '';
  // A loose index scan over streams_by_category: one probe per distinct category.
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
    [after, pageSize + 1],
  );
  const items = rows
    .slice(0, pageSize)
    .map((row) => ({ category: row.category, streams: Number(row.streams) }));
  const last = items.at(-1);
  return { items, next: rows.length > pageSize && last ? encodePage(last.category) : null };
};

interface StreamRow {
  stream_id: string;
  category: string;
  version: string;
  archived: boolean;
  created_at: Date;
  updated_at: Date;
}

const streamViewOf = (row: StreamRow): StreamView => ({
  streamId: row.stream_id,
  category: row.category,
  version: Number(row.version),
  archived: row.archived,
  createdAt: row.created_at.getTime(),
  updatedAt: row.updated_at.getTime(),
});

const isKey = (value: unknown): [string, string] => {
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    typeof value[0] !== 'string' ||
    typeof value[1] !== 'string'
  ) {
    throw new Error('not a stream key');
  }
  return [value[0], value[1]];
};

export const listStreams = async (
  { sql }: ConsoleDeps,
  query: Query,
): Promise<Page<StreamView>> => {
  const category = textParam(query, 'category', { pattern: CATEGORY });
  const pageSize = pageSizeParam(query);
  const [afterCategory, afterStream] = decodePage(pageParam(query), isKey) ?? ['', ''];
  const { rows } = await sql.query<StreamRow>(
    /* sql */ `
    select stream_id, category, version, archived, created_at, updated_at
      from hindsight.streams
     where ($1::text is null or category = $1)
       and (category, stream_id) > ($2, $3)
     order by category, stream_id
     limit $4`,
    [category ?? null, afterCategory, afterStream, pageSize + 1],
  );
  const items = rows.slice(0, pageSize).map(streamViewOf);
  const last = items.at(-1);
  return {
    items,
    next: rows.length > pageSize && last ? encodePage([last.category, last.streamId]) : null,
  };
};

export const readStreamEvents = async (
  deps: ConsoleDeps,
  rawStreamId: string,
  query: Query,
): Promise<StreamEvents> => {
  try {
    validateStreamId(rawStreamId);
  } catch (error) {
    throw badRequest('streamId', (error as Error).message);
  }
  const limit = intParam(query, 'limit', { min: 1, max: 500, fallback: 50 }) ?? 50;
  const from = intParam(query, 'from', { min: 1, max: Number.MAX_SAFE_INTEGER });
  const { rows } = await deps.sql.query<StreamRow>(
    'select stream_id, category, version, archived, created_at, updated_at from hindsight.streams where stream_id = $1',
    [rawStreamId],
  );
  const row = rows[0];
  if (!row) throw notFound('STREAM_NOT_FOUND', `stream '${rawStreamId}' not found`);
  const stream = streamViewOf(row);
  // Without `from`: the newest page. Pages go forwards from `from`.
  const start = from ?? Math.max(1, stream.version - limit + 1);
  const slice = await deps.store.readStream(rawStreamId, { fromVersion: start, limit });
  const events = slice.events.map(eventViewOf);
  const lastVersion = events.at(-1)?.streamVersion ?? start - 1;
  return { stream, events, next: lastVersion < slice.streamVersion ? lastVersion + 1 : null };
};

interface EventRow {
  global_position: string;
  /** As text: a page token carries it (xid8 is 64-bit). Sorting is on the real column. */
  tx_text: string;
  stream_id: string;
  stream_version: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  occurred_at: Date;
  recorded_at: Date;
}

const isPosition = (value: unknown): [string, number] => {
  if (
    !Array.isArray(value) ||
    typeof value[0] !== 'string' ||
    !/^\d{1,20}$/.test(value[0]) ||
    !Number.isSafeInteger(value[1])
  ) {
    throw new Error('not a log position');
  }
  return [value[0], value[1] as number];
};

/** The latest events in commit order, newest first; stored payloads (before upcasting). */
export const recentEvents = async (
  { sql }: ConsoleDeps,
  query: Query,
): Promise<Page<EventView>> => {
  const category = textParam(query, 'category', { pattern: CATEGORY });
  const type = textParam(query, 'type', { pattern: EVENT_TYPE });
  const pageSize = pageSizeParam(query);
  const before = decodePage(pageParam(query), isPosition);
  // (tx_id, global_position) is the log's commit order; each filter has an index in that order.
  const { rows } = await sql.query<EventRow>(
    /* sql */ `
    select e.global_position, e.tx_id::text as tx_text, e.stream_id, e.stream_version, e.event_id,
           e.event_type, e.schema_version, e.data, e.metadata, e.occurred_at, e.recorded_at
      from hindsight.events e
     where ($1::text is null or e.category = $1)
       and ($2::text is null or e.event_type = $2)
       and ($3::xid8 is null or (e.tx_id, e.global_position) < ($3::xid8, $4::bigint))
     order by e.tx_id desc, e.global_position desc
     limit $5`,
    [category ?? null, type ?? null, before?.[0] ?? null, before?.[1] ?? 0, pageSize + 1],
  );
  const items = rows.slice(0, pageSize).map((row): EventView => ({
    globalPosition: Number(row.global_position),
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    eventId: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    occurredAt: row.occurred_at.getTime(),
    recordedAt: row.recorded_at.getTime(),
    data: shownPayload(row.data),
    metadata: shownPayload(row.metadata),
  }));
  const last = rows[pageSize - 1];
  return {
    items,
    next:
      rows.length > pageSize && last
        ? encodePage([last.tx_text, Number(last.global_position)])
        : null,
  };
};

export const headPosition = async ({ sql }: Pick<ConsoleDeps, 'sql'>): Promise<number> => {
  const { rows } = await sql.query<{ head: string | null }>(
    'select max(global_position) as head from hindsight.events',
  );
  return Number(rows[0]?.head ?? 0);
};

/** A subscription further behind than this shows as this many, and `lagCapped`. */
export const LAG_CAP = 100_000;

/**
 * Subscriptions (durable checkpoints) and live evaluations, with how far behind the log they
 * are: the events committed after the checkpoint's position, in log order. A position is a
 * (transaction id, global position) pair, so a checkpoint at the `caught_up` position the
 * server sends (global position 0) is measured right; counting stops at `LAG_CAP`.
 */
export const listSubscriptions = async (deps: ConsoleDeps): Promise<Subscriptions> => {
  const head = await headPosition(deps);
  const { rows } = await deps.sql.query<{
    name: string;
    global_position: string;
    updated_at: Date;
    behind: string;
  }>(
    /* sql */ `
    select s.name, s.global_position, s.updated_at,
           (select count(*) from (
              select 1 from hindsight.events e
               where (e.tx_id, e.global_position) > (s.tx_id, s.global_position)
               limit $1) tail) as behind
      from ((select subscription_name as name, tx_id, global_position, updated_at
               from hindsight.checkpoints order by subscription_name limit 200)
            union all
            (select 'live-evaluation:' || name, last_tx, last_position, updated_at
               from hindsight.live_evaluations order by name limit 100)) s`,
    [LAG_CAP],
  );
  return {
    head,
    items: rows.map((row) => ({
      name: row.name,
      globalPosition: Number(row.global_position),
      updatedAt: row.updated_at.getTime(),
      lag: Number(row.behind),
      lagCapped: Number(row.behind) >= LAG_CAP,
    })),
  };
};
