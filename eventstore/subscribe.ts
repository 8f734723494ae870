// Named subscriptions: catch-up then live, ordered, at-least-once, resuming from a durable
// checkpoint that is stored after each batch the handler has finished.
import { loadCheckpoint, saveCheckpoint } from './checkpoints.js';
import { followLog } from './followLog.js';
import { followLogResiliently } from './followLogResiliently.js';
import { retryTransient } from './retryTransient.js';
import type { LogNotifier } from './notifier.js';
import type { Sql } from './sql.js';
import {
  START,
  parseStoredEvent,
  type LogFilter,
  type Position,
  type RecordedEvent,
  type StoredEvent,
} from './types.js';
import { validateFilter, validateSubscriptionName } from './validation.js';

export interface SubscriptionOptions extends LogFilter {
  name: string;
  handler: (events: RecordedEvent[], checkpoint: Position) => Promise<void>;
  onCaughtUp?: (checkpoint: Position) => void;
  batchSize?: number;
  /** How often progress past filtered-out events is stored; 0 stores every move. */
  idleCheckpointIntervalMs?: number;
  /** Turns each stored event into what the handler sees (the store passes its upcasters). */
  upcast?: (event: StoredEvent) => StoredEvent;
}

export interface Subscription {
  /** Settles when the subscription stops: resolves after stop(), rejects if the handler failed. */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export const subscribe = (
  sql: Sql,
  notifier: LogNotifier,
  options: SubscriptionOptions,
): Subscription => {
  const { name, handler, onCaughtUp, batchSize, idleCheckpointIntervalMs = 5000 } = options;
  validateSubscriptionName(name);
  const filter = validateFilter({ eventTypes: options.eventTypes, categories: options.categories });
  const abort = new AbortController();

  const run = async (): Promise<void> => {
    // A database outage pauses the subscription; it goes on from where it was, never
    // handing the handler an event twice or skipping one.
    const retry = { signal: abort.signal };
    const stored = await retryTransient(() => loadCheckpoint(sql, name), retry);
    const save = (position: Position) =>
      retryTransient(() => saveCheckpoint(sql, name, position), retry);
    let lastSaved = Date.now();
    const follow = followLogResiliently((o) => followLog(sql, notifier, o), {
      ...filter,
      after: stored?.position ?? START,
      batchSize,
      signal: abort.signal,
      upcast: options.upcast,
    });
    for await (const item of follow) {
      if (item.kind === 'events') {
        await handler(
          item.events.map((event) => parseStoredEvent(event)),
          item.checkpoint,
        );
        await save(item.checkpoint);
        lastSaved = Date.now();
      } else if (item.kind === 'caught-up') {
        onCaughtUp?.(item.checkpoint);
      } else if (Date.now() - lastSaved >= idleCheckpointIntervalMs) {
        await save(item.checkpoint);
        lastSaved = Date.now();
      }
    }
  };

  const done = run();
  return {
    done,
    stop: async () => {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
};
