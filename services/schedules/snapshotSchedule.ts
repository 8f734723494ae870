// The one schedule that runs SnapshotWorkflow over every aggregate type every interval, one run
// at a time (overlap SKIP): created, or changed in place when it exists.
import { ScheduleOverlapPolicy, type ScheduleClient } from '@temporalio/client';
import { ValidationError } from '../../eventstore/errors.js';
import { mapScheduleErrors, ScheduleExistsError, ScheduleNotFoundError } from './errors.js';

export const SNAPSHOT_SCHEDULE_ID = 'hindsight-snapshots';
export const SNAPSHOT_WORKFLOW = 'SnapshotWorkflow';
export const MIN_SNAPSHOT_INTERVAL_SECONDS = 60;
const MAX_SNAPSHOT_INTERVAL_SECONDS = 366 * 86_400;

export interface SnapshotScheduleSummary {
  id: string;
  intervalSeconds: number;
  paused: boolean;
  /** Null when paused. */
  nextRunAt: number | null;
}

export interface PutSnapshotSchedule {
  intervalSeconds: number;
  /** Undefined: a new schedule is active, an existing one keeps its state. */
  paused?: boolean;
}

const checkInterval = (seconds: number): number => {
  if (
    !Number.isSafeInteger(seconds) ||
    seconds < MIN_SNAPSHOT_INTERVAL_SECONDS ||
    seconds > MAX_SNAPSHOT_INTERVAL_SECONDS
  ) {
    throw new ValidationError(
      'interval_seconds',
      `must be from ${MIN_SNAPSHOT_INTERVAL_SECONDS} to ${MAX_SNAPSHOT_INTERVAL_SECONDS}, got ${seconds}`,
    );
  }
  return seconds;
};

/** The schedule, or null when there is none. */
export const getSnapshotSchedule = async (
  schedules: ScheduleClient,
): Promise<SnapshotScheduleSummary | null> => {
  try {
    const description = await mapScheduleErrors(SNAPSHOT_SCHEDULE_ID, () =>
      schedules.getHandle(SNAPSHOT_SCHEDULE_ID).describe(),
    );
    const every = description.spec.intervals?.[0]?.every ?? 0;
    const paused = description.state.paused;
    return {
      id: SNAPSHOT_SCHEDULE_ID,
      intervalSeconds: Math.round(every / 1000),
      paused,
      nextRunAt: paused ? null : (description.info.nextActionTimes[0]?.getTime() ?? null),
    };
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return null;
    throw error;
  }
};

/** Creates the schedule, or changes the interval (and state) of the one there. */
export const putSnapshotSchedule = async (
  schedules: ScheduleClient,
  taskQueue: string,
  request: PutSnapshotSchedule,
): Promise<{ schedule: SnapshotScheduleSummary; created: boolean }> => {
  const every = checkInterval(request.intervalSeconds) * 1000;
  const spec = { intervals: [{ every }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: SNAPSHOT_WORKFLOW,
    taskQueue,
    // Temporal appends the scheduled time.
    workflowId: 'snapshots-scheduled',
    args: [{}],
  };
  let created = true;
  try {
    await mapScheduleErrors(SNAPSHOT_SCHEDULE_ID, () =>
      schedules.create({
        scheduleId: SNAPSHOT_SCHEDULE_ID,
        spec,
        action,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 },
        state: { paused: request.paused ?? false, note: 'hindsight snapshots' },
      }),
    );
  } catch (error) {
    if (!(error instanceof ScheduleExistsError)) throw error;
    created = false;
    const handle = schedules.getHandle(SNAPSHOT_SCHEDULE_ID);
    await mapScheduleErrors(SNAPSHOT_SCHEDULE_ID, () =>
      handle.update((previous) => ({ ...previous, spec, action })),
    );
    // Pause and unpause say so explicitly: an update keeps the schedule's state as it is.
    const paused = (await handle.describe()).state.paused;
    if (request.paused === true && !paused) await handle.pause('paused by ScheduleSnapshots');
    if (request.paused === false && paused) await handle.unpause('unpaused by ScheduleSnapshots');
  }
  const schedule = await getSnapshotSchedule(schedules);
  if (!schedule) throw new ScheduleNotFoundError(SNAPSHOT_SCHEDULE_ID);
  return { schedule, created };
};
