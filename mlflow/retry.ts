// Exponential backoff with jitter, for the failures MLflow marks (or the network makes) transient.
import { MlflowError } from './errors.js';

export interface RetryPolicy {
  /** Tries in all, the first included; 1 disables retries. */
  attempts: number;
  /** The delay before the second try; it doubles for each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

/** The wait after failed try number `attempt` (1-based): half of it fixed, half random. */
export const backoffDelay = (
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): number => {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Jitter keeps workers that failed together from retrying in lockstep.
  const jittered = exponential / 2 + (random() * exponential) / 2;
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, or the attempts are
 * spent; then the last error is raised, still marked retryable so that an outer layer (a Temporal
 * activity's retry policy) may try again later.
 */
export const withRetry = async <T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!(error instanceof MlflowError) || !error.retryable) throw error;
      if (attempt >= policy.attempts) throw error.afterAttempts(attempt);
      await sleep(backoffDelay(policy, attempt, error.retryAfterMs));
    }
  }
};
