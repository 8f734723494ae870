// A run now. The client's trigger defaults to ALLOW_ALL; SKIP keeps one run at a time.
import { ScheduleOverlapPolicy, type ScheduleClient } from '@temporalio/client';
import { mapScheduleErrors } from './errors.js';

export const triggerSchedule = (schedules: ScheduleClient, id: string): Promise<void> =>
  mapScheduleErrors(id, () => schedules.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP));
