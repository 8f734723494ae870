// How long an activity may run before Temporal gives it to another worker: a worker killed
// during an activity is noticed only when one of these expires.
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * A few calls to PostgreSQL or MLflow, done in well under a second, in seconds on a loaded
 * machine: a lost worker delays the workflow by this much (it was 2 minutes).
 */
export const SHORT_ACTIVITY: Pick<ActivityOptions, 'startToCloseTimeout'> = {
  startToCloseTimeout: '30 seconds',
};

/**
 * One statement whose work grows with the log (counting events, pruning snapshots): no bound
 * on its length, but it heartbeats while it waits, so a lost worker shows in seconds.
 */
export const SCANNING_ACTIVITY: Pick<ActivityOptions, 'startToCloseTimeout' | 'heartbeatTimeout'> =
  {
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '20 seconds',
  };

/**
 * How activities are retried: from 1 s, doubling, at most 30 s apart, `attempts` times (none for
 * no limit) — about 4 minutes for the usual 10, long enough for PostgreSQL or MLflow to restart.
 */
export const backingOff = (attempts?: number): NonNullable<ActivityOptions['retry']> => ({
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  ...(attempts === undefined ? {} : { maximumAttempts: attempts }),
});
