// Capped exponential backoff for work that waits out a database outage: retries what
// `isTransientDatabaseError` says may pass, throws anything else at once, and stops on abort.
import { setTimeout as sleep } from 'node:timers/promises';
import { isTransientDatabaseError } from './transientErrors.js';

export interface RetryPolicy {
  /** The first wait; default 100 ms. */
  firstDelayMs?: number;
  /** The longest wait between attempts; default 2 s, so service resumes within seconds. */
  maxDelayMs?: number;
  /** Told about every failure that is retried, with the wait before the next attempt. */
  onRetry?: (error: unknown, delayMs: number) => void;
  signal?: AbortSignal;
}

/** The wait before retry number `attempt` (0 first). */
export const backoffDelay = (
  attempt: number,
  { firstDelayMs = 100, maxDelayMs = 2_000 }: RetryPolicy = {},
): number => Math.min(maxDelayMs, firstDelayMs * 2 ** Math.min(attempt, 30));

/** Waits `ms`, or less when the signal aborts (it never throws for the abort). */
export const pause = (ms: number, signal?: AbortSignal): Promise<void> =>
  sleep(ms, undefined, { signal }).catch(() => undefined);

/** `work` until it succeeds, or fails with an error that is not transient, or is aborted. */
export const retryTransient = async <T>(
  work: () => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> => {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (policy.signal?.aborted || !isTransientDatabaseError(error)) throw error;
      const delay = backoffDelay(attempt, policy);
      policy.onRetry?.(error, delay);
      await pause(delay, policy.signal);
      if (policy.signal?.aborted) throw error;
    }
  }
};
