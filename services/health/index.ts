export * from './dependentServices.js';
export * from './watchDependencies.js';
export * from './probes.js';
