// One schedule per model that runs BatchScoringWorkflow every interval (overlap SKIP).
import type { ScheduleClient } from '@temporalio/client';
import type { ScoringClock } from '../../serving/scoringClock.js';
import type { BatchScoringWorkflow } from '../../workflows/batchScoringWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import {
  getIntervalSchedule,
  putIntervalSchedule,
  type IntervalScheduleSummary,
} from './intervalSchedule.js';

/** Named like the workflows it starts (`batch-scoring-<model>-<time>`). */
export const scoringScheduleIdOf = (modelName: string): string => `batch-scoring-${modelName}`;
/** The id releases before the one naming scheme gave it. */
const legacyScoringScheduleIdOf = (modelName: string): string => `hindsight-scoring-${modelName}`;

export const getScoringSchedule = (
  schedules: ScheduleClient,
  modelName: string,
): Promise<IntervalScheduleSummary | null> =>
  getIntervalSchedule(schedules, scoringScheduleIdOf(modelName), [
    legacyScoringScheduleIdOf(modelName),
  ]);

export const putScoringSchedule = (
  schedules: ScheduleClient,
  taskQueue: string,
  request: { modelName: string; intervalSeconds: number; paused?: boolean; clock?: ScoringClock },
): Promise<{ schedule: IntervalScheduleSummary; created: boolean }> =>
  putIntervalSchedule<typeof BatchScoringWorkflow>(schedules, {
    scheduleId: scoringScheduleIdOf(request.modelName),
    legacyIds: [legacyScoringScheduleIdOf(request.modelName)],
    workflowType: WORKFLOW_TYPES.BatchScoringWorkflow,
    // Temporal appends the scheduled time: each run is a batch of its own.
    workflowId: scoringScheduleIdOf(request.modelName),
    args: [{ modelName: request.modelName, ...(request.clock ? { clock: request.clock } : {}) }],
    taskQueue,
    note: `hindsight batch scoring of ${request.modelName}`,
    intervalSeconds: request.intervalSeconds,
    paused: request.paused,
  });
