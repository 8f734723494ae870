// The event store as the console shows it: categories, streams, a stream's events, the latest
// events and how far each subscription and live evaluation is behind. The store answers (its
// `browse`: keyset pages over its indexes); this turns query parameters into its options and
// its answers into the console's API.
import {
  shownPayloadOfText,
  type Position,
  type StoredEvent,
  type StreamSummary,
  validateStreamId,
} from '../../eventstore/index.js';
import type {
  CategoryView,
  EventView,
  Page,
  StreamEvents,
  StreamView,
  Subscriptions,
} from './api.js';
import { liveEvaluationsOn, type ConsoleDeps } from './deps.js';
import type { LiveEvaluationPosition } from '../../ml/monitoring/liveEvaluationTables.js';
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
  { store }: ConsoleDeps,
  query: Query,
): Promise<Page<CategoryView>> => {
  const pageSize = pageSizeParam(query);
  const after = decodePage(pageParam(query), isString) ?? '';
  const rows = await store.browse.categories({ after, limit: pageSize + 1 });
  const items = rows.slice(0, pageSize);
  const last = items.at(-1);
  return { items, next: rows.length > pageSize && last ? encodePage(last.category) : null };
};

const streamViewOf = (stream: StreamSummary): StreamView => ({
  streamId: stream.streamId,
  category: stream.category,
  version: Number(stream.version),
  archived: stream.archived,
  createdAt: Number(stream.createdAt),
  updatedAt: Number(stream.updatedAt),
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
  { store }: ConsoleDeps,
  query: Query,
): Promise<Page<StreamView>> => {
  const category = textParam(query, 'category', { pattern: CATEGORY });
  const pageSize = pageSizeParam(query);
  const after = decodePage(pageParam(query), isKey) ?? undefined;
  const rows = await store.browse.streams({ category, after, limit: pageSize + 1 });
  const items = rows.slice(0, pageSize).map(streamViewOf);
  const last = items.at(-1);
  return {
    items,
    next: rows.length > pageSize && last ? encodePage([last.category, last.streamId]) : null,
  };
};

export const readStreamEvents = async (
  { store }: ConsoleDeps,
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
  const found = await store.browse.stream(rawStreamId);
  if (!found) throw notFound('STREAM_NOT_FOUND', `stream '${rawStreamId}' not found`);
  const stream = streamViewOf(found);
  // Without `from`: the newest page. Pages go forwards from `from`.
  const start = from ?? Math.max(1, stream.version - limit + 1);
  const slice = await store.readStream(rawStreamId, { fromVersion: start, limit });
  const events = slice.events.map(eventViewOf);
  const lastVersion = events.at(-1)?.streamVersion ?? start - 1;
  return { stream, events, next: lastVersion < slice.streamVersion ? lastVersion + 1 : null };
};

/** A page token's log position: the transaction id as text (xid8 is 64-bit), the position. */
const isPosition = (value: unknown): Position => {
  if (
    !Array.isArray(value) ||
    typeof value[0] !== 'string' ||
    !/^\d{1,20}$/.test(value[0]) ||
    !Number.isSafeInteger(value[1])
  ) {
    throw new Error('not a log position');
  }
  return { transactionId: Number(value[0]), globalPosition: value[1] as number };
};

/** The latest events in commit order, newest first; stored payloads (before upcasting). */
export const recentEvents = async (
  { store }: ConsoleDeps,
  query: Query,
): Promise<Page<EventView>> => {
  const category = textParam(query, 'category', { pattern: CATEGORY });
  const type = textParam(query, 'type', { pattern: EVENT_TYPE });
  const pageSize = pageSizeParam(query);
  const before = decodePage(pageParam(query), isPosition) ?? undefined;
  const rows = await store.browse.recentEvents({ category, type, before, limit: pageSize + 1 });
  const items = rows.slice(0, pageSize).map(eventViewOf);
  const last = rows[pageSize - 1];
  return {
    items,
    next:
      rows.length > pageSize && last
        ? encodePage([String(last.transactionId), Number(last.globalPosition)])
        : null,
  };
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
  const { store } = deps;
  const [head, checkpoints, evaluations] = await Promise.all([
    store.browse.head(),
    store.browse.checkpointLags({ limit: 200, lagCap: LAG_CAP }),
    liveEvaluationPositions(deps),
  ]);
  const behind = await store.browse.countsAfter(
    evaluations.map((evaluation) => evaluation.position),
    LAG_CAP,
  );
  const lagged = evaluations.map((evaluation, i) => ({ ...evaluation, behind: behind[i] ?? 0 }));
  return {
    head,
    items: [...checkpoints, ...lagged].map((row) => ({
      name: row.name,
      globalPosition: row.position.globalPosition,
      updatedAt: row.updatedAt,
      lag: row.behind,
      lagCapped: row.behind >= LAG_CAP,
    })),
  };
};

/** Where each live evaluation has read the log to (its projection's own tables). */
const liveEvaluationPositions = async (deps: ConsoleDeps): Promise<LiveEvaluationPosition[]> => {
  const positions = await (deps.liveEvaluations ?? liveEvaluationsOn(deps.sql)).positions(100);
  return positions.map((row) => ({ ...row, name: `live-evaluation:${row.name}` }));
};
