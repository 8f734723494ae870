// The error of upcasting migrations: a missing migration, one in the wrong state, or one that
// another migration of the same event type stands in the way of.
export class MigrationError extends Error {
  constructor(
    readonly code:
      | 'MIGRATION_NOT_FOUND'
      | 'MIGRATION_IN_PROGRESS'
      | 'MIGRATION_STATE'
      | 'MIGRATION_MISMATCH'
      | 'UNDO_ORDER',
    message: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}
