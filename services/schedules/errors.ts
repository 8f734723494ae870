// Schedule errors (bad ids and specs are the event store's ValidationError), and the one place
// that maps what @temporalio/client throws for a schedule onto them.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError as TemporalScheduleNotFound,
} from '@temporalio/client';
import { checkScheduleRef } from './scheduleId.js';

export class ScheduleNotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(readonly scheduleId: string) {
    super(`schedule '${scheduleId}' not found`);
    this.name = 'ScheduleNotFoundError';
  }
}

export class ScheduleExistsError extends Error {
  readonly code = 'ALREADY_EXISTS';
  constructor(readonly scheduleId: string) {
    super(`schedule '${scheduleId}' already exists: delete it first, or choose another id`);
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
