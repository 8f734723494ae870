export * from './errors.js';
export * from './types.js';
export { createEventStore, type EventStore, type EventStoreDeps } from './eventStore.js';
export type { CategorySummary, CheckpointLag, RecordingRate, StreamSummary } from './browse.js';
export { createPool, createClient } from './pool.js';
export { migrate, migrateProjection } from './schema/migrate.js';
export type { Migration } from './schema/migrations.js';
export {
  categoryOf,
  checkJsonDepth,
  parseJsonObject,
  validateFilter,
  validateStreamId,
  validateSubscriptionName,
} from './validation.js';
export type { Sql } from './sql.js';
export { isTransientDatabaseError } from './transientErrors.js';
export { backoffDelay, retryTransient } from './retryTransient.js';
export {
  listQuarantined,
  type QuarantinedEventEntry,
  type QuarantinedEventRecord,
} from './quarantine.js';
export { shownPayload, shownPayloadOfText, type PayloadNotShown } from './shownPayload.js';
export * from './aggregates/index.js';
export * from './upcasting/index.js';
export { stateFromJson, stateToJson } from './stateJson.js';
