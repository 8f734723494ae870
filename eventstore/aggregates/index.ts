export * from './aggregate.js';
export * from './loadAggregate.js';
export * from './snapshots.js';
