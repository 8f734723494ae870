// Upcasting migrations in PostgreSQL: rewrite stored events of one type to a later schema
// version, in batches in commit order, each batch one short transaction that keeps the original
// payloads in `event_revisions` and moves the migration's cursor. Appends never wait for it:
// they insert new rows, and a batch only locks the rows it rewrites. One operation a file in
// migrations/; this module is what callers import.
export * from './migrations/types.js';
export * from './migrations/migrationError.js';
export { getMigration, listMigrations, findActiveMigration } from './migrations/records.js';
export * from './migrations/planMigration.js';
export * from './migrations/dryRunMigration.js';
export * from './migrations/beginMigration.js';
export * from './migrations/migrateBatch.js';
export * from './migrations/verifyMigration.js';
export * from './migrations/failMigration.js';
export * from './migrations/beginUndo.js';
export * from './migrations/undoBatch.js';
export * from './migrations/finishUndo.js';
