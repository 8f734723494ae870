// The pipeline schedules, each described afresh: the list itself is eventually consistent and
// carries no action arguments (the view).
import type { ScheduleClient } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { describeSchedule } from './describeSchedule.js';
import { ScheduleNotFoundError } from './errors.js';
import type { PipelineScheduleSummary } from './types.js';

export const listSchedules = async (
  schedules: ScheduleClient,
  filter: { view?: string } = {},
): Promise<PipelineScheduleSummary[]> => {
  const found: PipelineScheduleSummary[] = [];
  for await (const listed of schedules.list()) {
    if (listed.action?.workflowType !== WORKFLOW_TYPES.RetrainingPipeline) continue;
    const summary = await describeSchedule(schedules, listed.scheduleId).catch((error: unknown) => {
      // Deleted since it was listed.
      if (error instanceof ScheduleNotFoundError) return null;
      throw error;
    });
    if (summary && (filter.view === undefined || summary.view === filter.view)) found.push(summary);
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
};
