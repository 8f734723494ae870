// The event store as one object, composed from the one-operation modules around it.
import type pg from 'pg';
import { appendToStream } from './appendToStream.js';
import { loadCheckpoint, saveCheckpoint, type StoredCheckpoint } from './checkpoints.js';
import { countEvents, type CountEventsOptions } from './countEvents.js';
import { takeCut } from './cut.js';
import { followLog, type FollowItem, type FollowOptions } from './followLog.js';
import { createCommitAnnouncer, createLogNotifier, type LogNotifier } from './notifier.js';
import { readAll, type ReadAllOptions } from './readAll.js';
import { readStream, type ReadStreamOptions, type StreamSlice } from './readStream.js';
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
} from './types.js';
import { validateFilter, validatePosition } from './validation.js';

export interface EventStore {
  append(
    streamId: string,
    events: readonly NewEvent[],
    expected?: ExpectedVersion,
  ): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StreamSlice>;
  readAll(options: ReadAllOptions): Promise<ReadAllPage>;
  follow(options: Omit<FollowOptions, 'pollIntervalMs'>): AsyncGenerator<FollowItem>;
  subscribe(options: Omit<SubscriptionOptions, 'pollIntervalMs'>): Subscription;
  cut(): Promise<Cut>;
  countEvents(options: CountEventsOptions): Promise<number>;
  getStream(streamId: string): Promise<StreamInfo>;
  archiveStream(streamId: string): Promise<{ version: number }>;
  loadCheckpoint(name: string): Promise<StoredCheckpoint | null>;
  saveCheckpoint(name: string, position: Position): Promise<void>;
  /** Stops live reads; the pool stays with its owner. */
  close(): Promise<void>;
}

export interface EventStoreDeps {
  pool: pg.Pool;
  /** Connections for reading the global log, so live readers never queue behind appends. */
  logReadPool?: pg.Pool;
  /** A fresh client for the store's LISTEN connection. */
  listenClient: () => pg.Client;
  /** Fallback polling interval of live reads, for wake-ups that no notification announces. */
  pollIntervalMs?: number;
  onError?: (error: Error) => void;
}

export const createEventStore = ({
  pool,
  logReadPool = pool,
  listenClient,
  pollIntervalMs = 500,
  onError,
}: EventStoreDeps): EventStore => {
  const notifier: LogNotifier = createLogNotifier(listenClient, onError);
  const announce = createCommitAnnouncer(pool, onError);
  return {
    append: async (streamId, events, expected) => {
      const result = await appendToStream(pool, streamId, events, expected);
      if (!result.duplicate) {
        notifier.wakeLocal();
        announce();
      }
      return result;
    },
    readStream: (streamId, options) => readStream(pool, streamId, options),
    readAll: (options) => {
      validatePosition(options.after, 'after');
      return readAll(logReadPool, validateFilter(options) as ReadAllOptions);
    },
    follow: (options) => {
      validatePosition(options.after, 'after');
      validateFilter(options);
      return followLog(logReadPool, notifier, { ...options, pollIntervalMs });
    },
    subscribe: (options) => subscribe(logReadPool, notifier, { ...options, pollIntervalMs }),
    cut: () => takeCut(pool),
    countEvents: (options) =>
      countEvents(logReadPool, validateFilter(options) as CountEventsOptions),
    getStream: (streamId) => getStreamInfo(pool, streamId),
    archiveStream: (streamId) => archiveStream(pool, streamId),
    loadCheckpoint: (name) => loadCheckpoint(pool, name),
    saveCheckpoint: (name, position) => saveCheckpoint(pool, name, position),
    close: () => notifier.close(),
  };
};
