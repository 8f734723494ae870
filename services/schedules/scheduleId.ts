// Schedule ids: given, or one per view by default.
import { ValidationError } from '../../eventstore/errors.js';

const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export const defaultScheduleId = (view: string): string => `retrain-${view}`;

export const checkScheduleId = (id: unknown): string => {
  if (typeof id !== 'string' || !SCHEDULE_ID.test(id)) {
    throw new ValidationError(
      'id',
      `${JSON.stringify(id)} is not a schedule id: 1 to 100 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  return id;
};
