import type { ScheduleClient } from '@temporalio/client';
import { mapScheduleErrors } from './errors.js';
import { summarizeSchedule } from './summarizeSchedule.js';
import type { PipelineScheduleSummary } from './types.js';

export const describeSchedule = async (
  schedules: ScheduleClient,
  id: string,
): Promise<PipelineScheduleSummary> =>
  summarizeSchedule(await mapScheduleErrors(id, () => schedules.getHandle(id).describe()));
