// The one schedule that runs SnapshotWorkflow over every aggregate type every interval, one run
// at a time (overlap SKIP): created, or changed in place when it exists.
import type { ScheduleClient } from '@temporalio/client';
import type { SnapshotWorkflow } from '../../workflows/snapshotWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import {
  getIntervalSchedule,
  MIN_INTERVAL_SECONDS,
  putIntervalSchedule,
  type IntervalScheduleSummary,
} from './intervalSchedule.js';

/** Named like the workflows it starts (`snapshot-<time>`). */
export const SNAPSHOT_SCHEDULE_ID = 'snapshot';
/** The id releases before the one naming scheme gave it. */
const LEGACY_SNAPSHOT_SCHEDULE_IDS = ['hindsight-snapshots'];
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
): Promise<SnapshotScheduleSummary | null> =>
  getIntervalSchedule(schedules, SNAPSHOT_SCHEDULE_ID, LEGACY_SNAPSHOT_SCHEDULE_IDS);

/** Creates the schedule, or changes the interval (and state) of the one there. */
export const putSnapshotSchedule = (
  schedules: ScheduleClient,
  taskQueue: string,
  request: PutSnapshotSchedule,
): Promise<{ schedule: SnapshotScheduleSummary; created: boolean }> =>
  putIntervalSchedule<typeof SnapshotWorkflow>(schedules, {
    ...request,
    scheduleId: SNAPSHOT_SCHEDULE_ID,
    legacyIds: LEGACY_SNAPSHOT_SCHEDULE_IDS,
    workflowType: WORKFLOW_TYPES.SnapshotWorkflow,
    workflowId: SNAPSHOT_SCHEDULE_ID,
    args: [{}],
    taskQueue,
    note: 'hindsight snapshots',
  });
