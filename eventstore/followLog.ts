// Catch-up, then live: pages through the global log and, once at its end, waits for a
// notification (or the polling interval) before reading again.
import type { LogNotifier } from './notifier.js';
import { readAll } from './readAll.js';
import type { Sql } from './sql.js';
import type { LogFilter, Position, StoredEvent } from './types.js';

export type FollowItem =
  | { kind: 'events'; events: StoredEvent[]; checkpoint: Position }
  /** Yielded once, when the reader first reaches the end of the log. */
  | { kind: 'caught-up'; checkpoint: Position }
  /** The checkpoint moved past events that the filter skipped. */
  | { kind: 'progress'; checkpoint: Position };

export interface FollowOptions extends LogFilter {
  after: Position;
  batchSize?: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  /** Turns each stored event into what readers see (the store passes its upcasters here). */
  upcast?: (event: StoredEvent) => StoredEvent;
  /**
   * Called once with a function that makes the reader read again at once, whatever the
   * notifications say: for a caller that needs it past a cut (see serving/liveFeatures.ts).
   */
  readNow?: (poke: () => void) => void;
}

const FIRST_RETRY_MS = 2;

export async function* followLog(
  sql: Sql,
  notifier: LogNotifier,
  {
    after,
    batchSize = 500,
    pollIntervalMs = 500,
    signal,
    upcast,
    readNow,
    ...filter
  }: FollowOptions,
): AsyncGenerator<FollowItem> {
  // Woken only by appends of the filter's types and categories, and by pokes.
  const watch = notifier.watch(filter);
  readNow?.(() => watch.poke());
  let checkpoint = after;
  let caughtUp = false;
  // After an announced commit that a read did not show yet, re-read soon, backing off.
  let retryMs = 0;
  try {
    while (!signal?.aborted) {
      // Read the generation before the page, so a commit during the read is never waited out.
      const generation = watch.generation();
      const page = await readAll(sql, { ...filter, after: checkpoint, limit: batchSize });
      const moved =
        page.checkpoint.transactionId !== checkpoint.transactionId ||
        page.checkpoint.globalPosition !== checkpoint.globalPosition;
      checkpoint = page.checkpoint;
      if (page.events.length > 0) {
        yield {
          kind: 'events',
          events: upcast ? page.events.map(upcast) : page.events,
          checkpoint,
        };
      } else if (moved && caughtUp) yield { kind: 'progress', checkpoint };
      if (!page.reachedEnd) continue;
      if (!caughtUp) {
        caughtUp = true;
        yield { kind: 'caught-up', checkpoint };
      }
      if (page.events.length > 0) retryMs = 0;
      await watch.waitForChange(generation, retryMs || pollIntervalMs, signal);
      // An announced commit can stay below the horizon while an older transaction is still
      // open (another append, or an autovacuum ANALYZE, which announces nothing when it ends).
      if (watch.generation() !== generation) retryMs = FIRST_RETRY_MS;
      else if (retryMs > 0) retryMs = retryMs * 2 >= pollIntervalMs ? 0 : retryMs * 2;
    }
  } finally {
    watch.close();
  }
}
