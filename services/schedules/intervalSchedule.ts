// A schedule that starts one workflow every interval, one run at a time (overlap SKIP): created,
// or changed in place when it exists. The snapshot and batch-scoring schedules are such.
import { ScheduleOverlapPolicy, type ScheduleClient, type Workflow } from '@temporalio/client';
import { ValidationError } from '../../eventstore/index.js';
import type { WorkflowType } from '../../workflows/workflowTypes.js';
import { mapScheduleErrors, ScheduleExistsError, ScheduleNotFoundError } from './errors.js';

export const MIN_INTERVAL_SECONDS = 60;
const MAX_INTERVAL_SECONDS = 366 * 86_400;

export interface IntervalScheduleSummary {
  id: string;
  intervalSeconds: number;
  paused: boolean;
  /** Null when paused. */
  nextRunAt: number | null;
}

export interface PutIntervalSchedule<W extends Workflow> {
  scheduleId: string;
  /** Ids an earlier release gave this schedule: one found there is changed in place. */
  legacyIds?: readonly string[];
  workflowType: WorkflowType;
  /** Temporal appends the scheduled time to it. */
  workflowId: string;
  args: Parameters<W>;
  taskQueue: string;
  note: string;
  intervalSeconds: number;
  /** Undefined: a new schedule is active, an existing one keeps its state. */
  paused?: boolean;
}

const checkInterval = (seconds: number): number => {
  if (
    !Number.isSafeInteger(seconds) ||
    seconds < MIN_INTERVAL_SECONDS ||
    seconds > MAX_INTERVAL_SECONDS
  ) {
    throw new ValidationError(
      'interval_seconds',
      `must be from ${MIN_INTERVAL_SECONDS} to ${MAX_INTERVAL_SECONDS}, got ${seconds}`,
    );
  }
  return seconds;
};

/**
 * The schedule, or null when there is none: under its id, or else under an id an earlier release
 * gave it (then the summary has that id).
 */
export const getIntervalSchedule = async (
  schedules: ScheduleClient,
  scheduleId: string,
  legacyIds: readonly string[] = [],
): Promise<IntervalScheduleSummary | null> => {
  for (const id of [scheduleId, ...legacyIds]) {
    const found = await describeIntervalSchedule(schedules, id);
    if (found) return found;
  }
  return null;
};

const describeIntervalSchedule = async (
  schedules: ScheduleClient,
  scheduleId: string,
): Promise<IntervalScheduleSummary | null> => {
  try {
    const description = await mapScheduleErrors(scheduleId, () =>
      schedules.getHandle(scheduleId).describe(),
    );
    const every = description.spec.intervals?.[0]?.every ?? 0;
    const paused = description.state.paused;
    return {
      id: scheduleId,
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
export const putIntervalSchedule = async <W extends Workflow>(
  schedules: ScheduleClient,
  request: PutIntervalSchedule<W>,
): Promise<{ schedule: IntervalScheduleSummary; created: boolean }> => {
  const every = checkInterval(request.intervalSeconds) * 1000;
  // One made by an earlier release under another id stays the one schedule: changed in place.
  let scheduleId = request.scheduleId;
  for (const legacy of request.legacyIds ?? []) {
    if (await describeIntervalSchedule(schedules, legacy)) scheduleId = legacy;
  }
  const spec = { intervals: [{ every }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: request.workflowType,
    taskQueue: request.taskQueue,
    workflowId: request.workflowId,
    args: request.args,
  };
  let created = true;
  try {
    await mapScheduleErrors(scheduleId, () =>
      schedules.create({
        scheduleId,
        spec,
        action,
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 },
        state: { paused: request.paused ?? false, note: request.note },
      }),
    );
  } catch (error) {
    if (!(error instanceof ScheduleExistsError)) throw error;
    created = false;
    const handle = schedules.getHandle(scheduleId);
    await mapScheduleErrors(scheduleId, () =>
      handle.update((previous) => ({ ...previous, spec, action })),
    );
    // Pause and unpause say so explicitly: an update keeps the schedule's state as it is.
    const paused = (await handle.describe()).state.paused;
    if (request.paused === true && !paused) await handle.pause(`paused: ${request.note}`);
    if (request.paused === false && paused) await handle.unpause(`unpaused: ${request.note}`);
  }
  const schedule = await describeIntervalSchedule(schedules, scheduleId);
  if (!schedule) throw new ScheduleNotFoundError(scheduleId);
  return { schedule, created };
};
