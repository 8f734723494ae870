// Schedule ids: given, or one per view by default.
import { ValidationError } from '../../eventstore/index.js';

const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** A view's retraining schedule, named like the pipelines it starts (`pipeline-<view>-<time>`). */
export const defaultScheduleId = (view: string): string => `pipeline-${view}`;
/** The default id releases before the one naming scheme gave it. */
export const legacyDefaultScheduleId = (view: string): string => `retrain-${view}`;

export const checkScheduleId = (id: unknown): string => {
  if (typeof id !== 'string' || !SCHEDULE_ID.test(id)) {
    throw new ValidationError(
      'id',
      `${JSON.stringify(id)} is not a schedule id: 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  return id;
};

/**
 * The id of a schedule to act on. Schedules made elsewhere (scoring, snapshots, other tools) may
 * have ids beyond the pattern above, so only what no schedule can have is refused here.
 */
export const checkScheduleRef = (id: unknown): string => {
  if (typeof id !== 'string' || id.trim() === '') {
    throw new ValidationError('schedule_id', 'is required');
  }
  if (id.length > 1000) throw new ValidationError('schedule_id', 'is longer than 1000 characters');
  return id;
};
