// Schedule errors (bad ids and specs are the event store's ValidationError), and the one place
// that maps what @temporalio/client throws for a schedule onto them.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError as TemporalScheduleNotFound,
} from '@temporalio/client';
import { HindsightError } from '../../platform/errors.js';
import { checkScheduleRef } from './scheduleId.js';

export class ScheduleNotFoundError extends HindsightError {
  constructor(readonly scheduleId: string) {
    super('NOT_FOUND', `schedule '${scheduleId}' not found`, {
      reason: 'SCHEDULE_NOT_FOUND',
      metadata: { schedule_id: scheduleId },
    });
    this.name = 'ScheduleNotFoundError';
  }
}

export class ScheduleExistsError extends HindsightError {
  constructor(readonly scheduleId: string) {
    super(
      'ALREADY_EXISTS',
      `schedule '${scheduleId}' already exists: delete it first, or choose another id`,
      { reason: 'SCHEDULE_ALREADY_EXISTS', metadata: { schedule_id: scheduleId } },
    );
    this.name = 'ScheduleExistsError';
  }
}

/**
 * Runs a Temporal schedule call, rethrowing its known failures as the errors above. An empty id
 * is bad input (the client would fail on it with an error of its own).
 */
export const mapScheduleErrors = async <T>(scheduleId: string, call: () => Promise<T>) => {
  checkScheduleRef(scheduleId);
  try {
    return await call();
  } catch (error) {
    if (error instanceof TemporalScheduleNotFound) throw new ScheduleNotFoundError(scheduleId);
    if (error instanceof ScheduleAlreadyRunning) throw new ScheduleExistsError(scheduleId);
    throw error;
  }
};
