import type { ScheduleClient } from '@temporalio/client';
import { mapScheduleErrors } from './errors.js';

// Without a note the SDK writes its own ('Paused via TypeScript SDK"', stray quote included).
export const pauseSchedule = (
  schedules: ScheduleClient,
  id: string,
  note = 'paused',
): Promise<void> => mapScheduleErrors(id, () => schedules.getHandle(id).pause(note));
