// Temporal Schedules for the retraining pipeline, on one ScheduleClient and task queue.
import type { ScheduleClient } from '@temporalio/client';
import { createSchedule } from './createSchedule.js';
import { deleteSchedule } from './deleteSchedule.js';
import { describeSchedule } from './describeSchedule.js';
import { listSchedules } from './listSchedules.js';
import { pauseSchedule } from './pauseSchedule.js';
import { triggerSchedule } from './triggerSchedule.js';
import type { PipelineSchedules } from './types.js';
import { unpauseSchedule } from './unpauseSchedule.js';

export * from './errors.js';
export * from './types.js';

export const createPipelineSchedules = (
  schedules: ScheduleClient,
  { taskQueue }: { taskQueue: string },
): PipelineSchedules => ({
  create: (request) => createSchedule(schedules, taskQueue, request),
  list: (filter) => listSchedules(schedules, filter),
  describe: (id) => describeSchedule(schedules, id),
  pause: (id, note) => pauseSchedule(schedules, id, note),
  unpause: (id, note) => unpauseSchedule(schedules, id, note),
  trigger: (id) => triggerSchedule(schedules, id),
  delete: (id) => deleteSchedule(schedules, id),
});
