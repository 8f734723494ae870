// The error of upcasting migrations: a missing migration, one in the wrong state, or one that
// another migration of the same event type stands in the way of.
import { HindsightError, type ErrorCode } from '../../../platform/errors.js';

export type MigrationErrorReason =
  | 'MIGRATION_NOT_FOUND'
  | 'MIGRATION_IN_PROGRESS'
  | 'MIGRATION_STATE'
  | 'MIGRATION_MISMATCH'
  | 'UNDO_ORDER';

const CODE: Record<MigrationErrorReason, ErrorCode> = {
  MIGRATION_NOT_FOUND: 'NOT_FOUND',
  MIGRATION_IN_PROGRESS: 'FAILED_PRECONDITION',
  MIGRATION_STATE: 'FAILED_PRECONDITION',
  // The workflow's input differs from what was begun under its id: a caller's mistake.
  MIGRATION_MISMATCH: 'INVALID_ARGUMENT',
  UNDO_ORDER: 'FAILED_PRECONDITION',
};

export class MigrationError extends HindsightError {
  declare readonly reason: MigrationErrorReason;
  constructor(reason: MigrationErrorReason, message: string) {
    super(CODE[reason], message, { reason });
    this.name = 'MigrationError';
  }
}
