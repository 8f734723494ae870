// Catch-up, then live: pages through the global log and, once at its end, waits for a
// notification (see notifier.ts for what stands in for one) before reading again.
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
  signal?: AbortSignal;
  /** Turns each stored event into what readers see (the store passes its upcasters here). */
  upcast?: (event: StoredEvent) => StoredEvent;
  /**
   * Called once with a function that makes the reader read again at once, whatever the
   * notifications say, and resolves with the checkpoint of the first read begun after the call
   * that reached the end of the log, once that read's items were taken (the next one asked
   * for): everything below the horizon at the call is then in the caller's hands. It rejects
   * when the reader stops first. For a caller that must answer as of now (see
   * serving/liveFeatures.ts); concurrent calls share reads.
   */
  readNow?: (read: () => Promise<Position>) => void;
}

interface ReadRequest {
  resolve: (checkpoint: Position) => void;
  reject: (error: Error) => void;
}

const FIRST_RETRY_MS = 2;
/** Re-reads after an announcement stop here (2, 4 … 256 ms); the process's poll takes over. */
const RETRY_LIMIT_MS = 500;

export async function* followLog(
  sql: Sql,
  notifier: LogNotifier,
  { after, batchSize = 500, signal, upcast, readNow, ...filter }: FollowOptions,
): AsyncGenerator<FollowItem> {
  // Woken only by appends of the filter's types and categories, and by pokes.
  const watch = notifier.watch(filter);
  // Requests not yet covered by a read, and those the reads since the last end cover.
  let requested: ReadRequest[] = [];
  let covered: ReadRequest[] = [];
  let stopped: Error | null = null;
  let ended = false;
  readNow?.(
    () =>
      new Promise<Position>((resolve, reject) => {
        if (ended) {
          reject(stopped ?? new Error('the log reader stopped'));
          return;
        }
        requested.push({ resolve, reject });
        watch.poke();
      }),
  );
  let checkpoint = after;
  let caughtUp = false;
  // After an announced commit that a read did not show yet, re-read soon, backing off.
  let retryMs = 0;
  try {
    while (!signal?.aborted) {
      // Read the generation before the page, so a commit during the read is never waited out.
      const generation = watch.generation();
      const announced = watch.announced();
      if (requested.length > 0) {
        covered = covered.concat(requested);
        requested = [];
      }
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
      if (covered.length > 0) {
        const done = covered;
        covered = [];
        for (const request of done) request.resolve(checkpoint);
      }
      if (page.events.length > 0) retryMs = 0;
      // Asked for while this page was read: read again at once. (A request during the wait
      // ends it through `poke`, which is no announcement.)
      if (requested.length === 0) {
        await watch.waitForChange(generation, { timeoutMs: retryMs || undefined, signal });
      }
      // An announced commit can stay above the horizon while an older transaction is still
      // open (another append, or an autovacuum ANALYZE, which announces nothing when it ends):
      // re-read soon after one. Should it stay hidden longer, the process's poll finds it.
      if (watch.announced() !== announced) retryMs = FIRST_RETRY_MS;
      else if (retryMs > 0) retryMs = retryMs * 2 >= RETRY_LIMIT_MS ? 0 : retryMs * 2;
    }
  } catch (error) {
    stopped = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    watch.close();
    ended = true;
    const why = stopped ?? new Error('the log reader stopped');
    for (const request of [...covered, ...requested]) request.reject(why);
  }
}
