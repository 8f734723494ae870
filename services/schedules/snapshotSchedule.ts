// The one schedule that runs SnapshotWorkflow over every aggregate type every interval, one run
// at a time (overlap SKIP): created, or changed in place when it exists.
import type { ScheduleClient } from '@temporalio/client';
import {
  getIntervalSchedule,
  MIN_INTERVAL_SECONDS,
  putIntervalSchedule,
  type IntervalScheduleSummary,
} from './intervalSchedule.js';

export const SNAPSHOT_SCHEDULE_ID = 'hindsight-snapshots';
export const SNAPSHOT_WORKFLOW = 'SnapshotWorkflow';
export const MIN_SNAPSHOT_INTERVAL_SECONDS = MIN_INTERVAL_SECONDS;

export type SnapshotScheduleSummary = IntervalScheduleSummary;

export interface PutSnapshotSchedule {
  intervalSeconds: number;
  /** Undefined: a new schedule is active, an existing one keeps its state. */
  paused?: boolean;
}

/** The schedule, or null when there is none. */
export const getSnapshotSchedule = (
  schedules: ScheduleClient,
): Promise<SnapshotScheduleSummary | null> => getIntervalSchedule(schedules, SNAPSHOT_SCHEDULE_ID);

/** Creates the schedule, or changes the interval (and state) of the one there. */
export const putSnapshotSchedule = (
  schedules: ScheduleClient,
  taskQueue: string,
  request: PutSnapshotSchedule,
): Promise<{ schedule: SnapshotScheduleSummary; created: boolean }> =>
  putIntervalSchedule(schedules, {
    ...request,
    scheduleId: SNAPSHOT_SCHEDULE_ID,
    workflowType: SNAPSHOT_WORKFLOW,
    workflowId: 'snapshots-scheduled',
    args: [{}],
    taskQueue,
    note: 'hindsight snapshots',
  });
