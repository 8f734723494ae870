export * from './upcasters.js';
export * from './upcastError.js';
export * from './migrations.js';
export * from './canonicalJson.js';
export * from './upcastForReads.js';
export * from './checkUpcastable.js';
