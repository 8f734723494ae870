import type { ScheduleClient } from '@temporalio/client';
import { mapScheduleErrors } from './errors.js';

export const unpauseSchedule = (
  schedules: ScheduleClient,
  id: string,
  note = 'unpaused',
): Promise<void> => mapScheduleErrors(id, () => schedules.getHandle(id).unpause(note));
