// The event store as one object, composed from the one-operation modules around it.
import type pg from 'pg';
import { appendToStream } from './appendToStream.js';
import {
  countsAfter,
  findStream,
  headPosition,
  firstEventWhere,
  latestEventWhere,
  listCategories,
  listCheckpointLags,
  listStreams,
  recentEvents,
  recordingRate,
} from './browse.js';
import { loadCheckpoint, saveCheckpoint, type StoredCheckpoint } from './checkpoints.js';
import { countEvents, type CountEventsOptions } from './countEvents.js';
import { latestEventTime } from './latestEventTime.js';
import { takeCut } from './cut.js';
import { followLog, type FollowItem, type FollowOptions } from './followLog.js';
import { followLogResiliently } from './followLogResiliently.js';
import { createCommitAnnouncer, createLogNotifier, type LogNotifier } from './notifier.js';
import { readAll, type ReadAllOptions } from './readAll.js';
import { readStream, type ReadStreamOptions, type StreamSlice } from './readStream.js';
import type { Sql } from './sql.js';
import { archiveStream, getStreamInfo } from './streams.js';
import { subscribe, type Subscription, type SubscriptionOptions } from './subscribe.js';
import type {
  AppendResult,
  Cut,
  ExpectedVersion,
  NewEvent,
  Position,
  ReadAllPage,
  StreamInfo,
  UpcastFailureOption,
} from './types.js';
import { categoryOf, validateFilter, validatePosition } from './validation.js';
import {
  loadAggregate,
  type LoadAggregateOptions,
  type LoadedAggregate,
} from './aggregates/loadAggregate.js';
import type { Aggregate } from './aggregates/aggregate.js';
import {
  findDueStreams,
  pruneStaleSnapshots,
  snapshotStats,
  writeSnapshot,
  type DueStream,
  type SnapshotStats,
} from './aggregates/snapshots.js';
import {
  latestViewSnapshot,
  loadViewSnapshotState,
  saveViewSnapshot,
  type ViewSnapshotInfo,
  type ViewSnapshotKey,
  type ViewSnapshotRecord,
} from './viewSnapshots.js';
import { NO_UPCASTERS, type UpcasterRegistry } from './upcasting/upcasters.js';
import { createReadUpcaster, skipUpcastFailures } from './upcasting/upcastForReads.js';
import { checkUpcastable } from './upcasting/checkUpcastable.js';
import {
  countQuarantined,
  listQuarantined,
  recordQuarantined,
  type ListQuarantinedOptions,
  type QuarantineKey,
  type QuarantinedEventEntry,
  type QuarantinedEventRecord,
} from './quarantine.js';

export interface EventStore {
  append(
    streamId: string,
    events: readonly NewEvent[],
    expected?: ExpectedVersion,
  ): Promise<AppendResult>;
  /** Reads never fail on a poison event: see `UpcastFailureOption`. */
  readStream(
    streamId: string,
    options?: ReadStreamOptions & UpcastFailureOption,
  ): Promise<StreamSlice>;
  readAll(options: ReadAllOptions & UpcastFailureOption): Promise<ReadAllPage>;
  follow(options: Omit<FollowOptions, 'upcast'> & UpcastFailureOption): AsyncGenerator<FollowItem>;
  subscribe(options: SubscriptionOptions): Subscription;
  cut(): Promise<Cut>;
  countEvents(options: CountEventsOptions): Promise<number>;
  /** Business time of the newest event of these types (the log's clock); null if none. */
  latestEventTime(eventTypes: readonly string[] | undefined): Promise<number | null>;
  getStream(streamId: string): Promise<StreamInfo>;
  archiveStream(streamId: string): Promise<{ version: number }>;
  loadCheckpoint(name: string): Promise<StoredCheckpoint | null>;
  saveCheckpoint(name: string, position: Position): Promise<void>;
  /** The upcasters every read applies: events come back at their type's latest version. */
  readonly upcasters: UpcasterRegistry;
  /** Events feature views went on without (see quarantine.ts). */
  quarantine: {
    record(key: QuarantineKey, events: readonly QuarantinedEventRecord[]): Promise<number>;
    count(key: QuarantineKey, belowTransactionId: number): Promise<number>;
    list(options?: ListQuarantinedOptions): Promise<QuarantinedEventEntry[]>;
  };
  loadAggregate<State>(
    aggregate: Aggregate<State>,
    streamId: string,
    options?: LoadAggregateOptions,
  ): Promise<LoadedAggregate<State>>;
  snapshots: {
    /** Loads the aggregate and stores its state as the stream's snapshot (if newer). */
    take(aggregate: Aggregate, streamId: string): Promise<SnapshotTaken>;
    due(
      aggregate: Aggregate,
      page: { after: string | null; limit: number },
    ): Promise<{ due: DueStream[]; scanned: number; lastStreamId: string | null }>;
    stats(aggregate: Aggregate): Promise<SnapshotStats>;
    /** Deletes snapshots of other reducer code or state schemas; returns how many. */
    prune(aggregate: Aggregate): Promise<number>;
  };
  viewSnapshots: {
    save(key: ViewSnapshotKey, record: ViewSnapshotRecord): Promise<boolean>;
    latest(key: ViewSnapshotKey, atOrBelow: number): Promise<ViewSnapshotInfo | null>;
    loadState(key: ViewSnapshotKey, cutTransactionId: number): Promise<Buffer | null>;
  };
  /**
   * The oldest event (log order) of a type in a category whose data field equals a value, e.g. a
   * model's first prediction; null if none.
   */
  firstEventWhere: OmitSql<typeof firstEventWhere>;
  /** The store as an operator browses it (see browse.ts): stored payloads, keyset pages. */
  browse: {
    categories: OmitSql<typeof listCategories>;
    streams: OmitSql<typeof listStreams>;
    /** One stream's summary, or null. */
    stream: OmitSql<typeof findStream>;
    recentEvents: OmitSql<typeof recentEvents>;
    /** The newest event of a type in a category whose data field equals a value, or null. */
    latestEventWhere: OmitSql<typeof latestEventWhere>;
    head: OmitSql<typeof headPosition>;
    recordingRate: OmitSql<typeof recordingRate>;
    countsAfter: OmitSql<typeof countsAfter>;
    checkpointLags: OmitSql<typeof listCheckpointLags>;
  };
  /** Stops live reads; the pool stays with its owner. */
  close(): Promise<void>;
}

/** A store operation as the store offers it: its first argument, the connection, bound. */
type OmitSql<F> = F extends (sql: Sql, ...rest: infer A) => infer R ? (...args: A) => R : never;

export interface EventStoreDeps {
  pool: pg.Pool;
  /** Connections for reading the global log, so live readers never queue behind appends. */
  logReadPool?: pg.Pool;
  /**
   * Connections for `browse` (an operator's pages, e.g. the console's), best with a statement
   * timeout: a page can neither take the appends' connections nor hold one for long.
   */
  browsePool?: pg.Pool;
  /** A fresh client for the store's LISTEN connection. */
  listenClient: () => pg.Client;
  /**
   * How often the process looks for commits that no notification announced (one query for all
   * live readers); default 5 s. Live readers themselves poll only while LISTEN is down.
   */
  pollIntervalMs?: number;
  /** How often each live reader polls while the LISTEN connection is down; default 500 ms. */
  fallbackPollIntervalMs?: number;
  onError?: (error: Error) => void;
  /** Upcasters for reads and for checking appended schema versions; default none. */
  upcasters?: UpcasterRegistry;
  /** How deeply appended data and metadata may nest; default DEFAULT_MAX_JSON_DEPTH (64). */
  maxJsonDepth?: number;
}

export interface SnapshotTaken {
  streamId: string;
  version: number;
  /** False when a snapshot at this version or later was there already. */
  written: boolean;
  eventsReplayed: number;
}

export const createEventStore = ({
  pool,
  logReadPool = pool,
  browsePool = pool,
  listenClient,
  pollIntervalMs,
  fallbackPollIntervalMs,
  onError,
  upcasters = NO_UPCASTERS,
  maxJsonDepth,
}: EventStoreDeps): EventStore => {
  const notifier: LogNotifier = createLogNotifier(listenClient, {
    pollIntervalMs,
    fallbackPollIntervalMs,
    onError,
  });
  const announce = createCommitAnnouncer(pool, onError);
  const upcast = upcasters.eventTypes.length > 0 ? upcasters.upcastStored : undefined;
  // Reads flag (or skip) a poison event; aggregates stay strict: a snapshot must never cache a
  // state that left an event out.
  const forReads = upcast && createReadUpcaster(upcasters);
  const readStreamUpcast = async (streamId: string, options?: ReadStreamOptions) => {
    const slice = await readStream(pool, streamId, options);
    return upcast ? { ...slice, events: slice.events.map(upcast) } : slice;
  };
  const load = <State>(
    aggregate: Aggregate<State>,
    streamId: string,
    options?: LoadAggregateOptions,
  ) => loadAggregate({ sql: pool, readStream: readStreamUpcast }, aggregate, streamId, options);
  return {
    upcasters,
    append: async (streamId, events, expected) => {
      if (upcast) checkUpcastable(upcasters, streamId, events);
      const result = await appendToStream(pool, streamId, events, expected, { maxJsonDepth });
      if (!result.duplicate) {
        const appended = {
          eventTypes: new Set(events.map((event) => event.type)),
          categories: new Set([categoryOf(streamId)]),
        };
        notifier.wakeLocal(appended);
        announce(appended);
      }
      return result;
    },
    readStream: async (streamId, { skipUpcastFailures: skip, ...options } = {}) => {
      const slice = await readStream(pool, streamId, options);
      return forReads ? { ...slice, events: forReads.page(slice.events, skip) } : slice;
    },
    readAll: async ({ skipUpcastFailures: skip, ...options }) => {
      validatePosition(options.after, 'after');
      const page = await readAll(logReadPool, validateFilter(options) as ReadAllOptions);
      return forReads ? { ...page, events: forReads.page(page.events, skip) } : page;
    },
    follow: (options) => {
      validatePosition(options.after, 'after');
      validateFilter(options);
      const { skipUpcastFailures: skip, ...rest } = options;
      // A live reader waits out a database outage and goes on from where it was.
      const items = followLogResiliently((o) => followLog(logReadPool, notifier, o), {
        ...rest,
        upcast: forReads?.one,
      });
      return forReads && skip ? skipUpcastFailures(items) : items;
    },
    subscribe: (options) => subscribe(logReadPool, notifier, { ...options, upcast: forReads?.one }),
    loadAggregate: load,
    snapshots: {
      take: async (aggregate, streamId) => {
        const loaded = await load(aggregate, streamId);
        const written =
          loaded.version > 0 &&
          (await writeSnapshot(pool, aggregate, streamId, loaded.version, loaded.state));
        return {
          streamId,
          version: loaded.version,
          written,
          eventsReplayed: loaded.eventsReplayed,
        };
      },
      due: (aggregate, page) => findDueStreams(pool, aggregate, page),
      stats: (aggregate) => snapshotStats(pool, aggregate),
      prune: (aggregate) => pruneStaleSnapshots(pool, aggregate),
    },
    viewSnapshots: {
      save: (key, record) => saveViewSnapshot(pool, key, record),
      latest: (key, atOrBelow) => latestViewSnapshot(pool, key, atOrBelow),
      loadState: (key, cut) => loadViewSnapshotState(pool, key, cut),
    },
    quarantine: {
      record: (key, events) => recordQuarantined(pool, key, events),
      count: (key, below) => countQuarantined(logReadPool, key, below),
      list: (options) => listQuarantined(pool, options),
    },
    cut: () => takeCut(pool),
    latestEventTime: (eventTypes) => latestEventTime(logReadPool, eventTypes),
    countEvents: (options) =>
      countEvents(logReadPool, validateFilter(options) as CountEventsOptions),
    getStream: (streamId) => getStreamInfo(pool, streamId),
    archiveStream: (streamId) => archiveStream(pool, streamId),
    loadCheckpoint: (name) => loadCheckpoint(pool, name),
    saveCheckpoint: (name, position) => saveCheckpoint(pool, name, position),
    firstEventWhere: (options) => firstEventWhere(pool, options),
    browse: {
      categories: (options) => listCategories(browsePool, options),
      streams: (options) => listStreams(browsePool, options),
      stream: (streamId) => findStream(browsePool, streamId),
      recentEvents: (options) => recentEvents(browsePool, options),
      latestEventWhere: (options) => latestEventWhere(browsePool, options),
      head: () => headPosition(browsePool),
      recordingRate: (options) => recordingRate(browsePool, options),
      countsAfter: (positions, cap) => countsAfter(browsePool, positions, cap),
      checkpointLags: (options) => listCheckpointLags(browsePool, options),
    },
    close: () => notifier.close(),
  };
};
