// A live reader that outlives database outages: when its reader fails because PostgreSQL cannot
// be reached, it waits (capped backoff) and starts another from the checkpoint of the last item
// it handed over, so its consumer gets every event once, in order, and never sees the outage
// except as a pause. Any other failure ends it, as before.
import type { FollowItem, FollowOptions } from './followLog.js';
import { backoffDelay, pause, type RetryPolicy } from './retryTransient.js';
import { isTransientDatabaseError } from './transientErrors.js';
import type { Position } from './types.js';

export interface ResilientFollowOptions extends FollowOptions {
  retry?: Omit<RetryPolicy, 'signal'>;
}

export async function* followLogResiliently(
  follow: (options: FollowOptions) => AsyncGenerator<FollowItem>,
  { retry = {}, readNow, ...options }: ResilientFollowOptions,
): AsyncGenerator<FollowItem> {
  const { signal } = options;
  let checkpoint = options.after;
  // The current reader's `readNow`; while there is none, a request fails at once with why.
  let readCurrent: (() => Promise<Position>) | null = null;
  let outage: unknown = null;
  readNow?.(() => {
    if (readCurrent) return readCurrent();
    const why = outage instanceof Error ? outage.message : 'it is not reading';
    return Promise.reject(new Error(`the log reader is reconnecting: ${why}`, { cause: outage }));
  });
  let caughtUp = false;
  for (let attempt = 0; !signal?.aborted; attempt += 1) {
    try {
      const reader = follow({
        ...options,
        after: checkpoint,
        readNow: (read) => {
          readCurrent = read;
        },
      });
      for await (const item of reader) {
        attempt = 0;
        outage = null;
        checkpoint = item.checkpoint;
        // A reader that starts again catches up again: the consumer is told once.
        if (item.kind === 'caught-up') {
          if (caughtUp) continue;
          caughtUp = true;
        }
        yield item;
      }
      return;
    } catch (error) {
      if (signal?.aborted || !isTransientDatabaseError(error)) throw error;
      readCurrent = null;
      outage = error;
      const delay = backoffDelay(attempt, retry);
      retry.onRetry?.(error, delay);
      await pause(delay, signal);
    }
  }
}
