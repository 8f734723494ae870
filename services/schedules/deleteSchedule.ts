// Deletes the schedule; the runs it started go on.
import type { ScheduleClient } from '@temporalio/client';
import { mapScheduleErrors } from './errors.js';

export const deleteSchedule = (schedules: ScheduleClient, id: string): Promise<void> =>
  mapScheduleErrors(id, () => schedules.getHandle(id).delete());
