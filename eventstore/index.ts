export * from './errors.js';
export * from './types.js';
export { createEventStore, type EventStore, type EventStoreDeps } from './eventStore.js';
export { createPool, createClient } from './pool.js';
export { migrate } from './schema/migrate.js';
export { categoryOf } from './validation.js';
export * from './aggregates/index.js';
export * from './upcasting/index.js';
export { stateFromJson, stateToJson } from './stateJson.js';
