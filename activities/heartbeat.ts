// The activity context where there is one: activities beat and listen for cancellation, and the
// same code also runs outside an activity (benchmarks, scripts), where there is nothing to do.
import { Context } from '@temporalio/activity';

const context = (): Context | undefined => {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
};

export const heartbeat = (details: unknown): void => context()?.heartbeat(details);

/** The activity's cancellation signal; none outside an activity. */
export const cancellationSignal = (): AbortSignal | undefined => context()?.cancellationSignal;

/**
 * True in the first attempt of an activity: no earlier attempt of it can still be running, and
 * a later one starts only once this one's result can no longer count. False outside one.
 */
export const firstAttempt = (): boolean => context()?.info.attempt === 1;

/**
 * Awaits `work`, heartbeating every `everyMs` meanwhile: an activity waiting on one long
 * statement shows it is alive, so its heartbeat timeout can be short. Nothing outside one.
 */
export const beatingWhile = async <T>(work: Promise<T>, everyMs = 2_000): Promise<T> => {
  const activity = context();
  if (!activity) return work;
  const timer = setInterval(() => activity.heartbeat(), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
};
