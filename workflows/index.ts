// Every workflow the worker runs; the worker bundles this file.
export { DatasetWorkflow } from './datasetWorkflow.js';
export { PromotionWorkflow } from './promotionWorkflow.js';
export { RetrainingPipeline } from './retrainingPipeline.js';
export { RollbackWorkflow } from './rollbackWorkflow.js';
export { SnapshotWorkflow } from './snapshotWorkflow.js';
export { UpcastMigrationWorkflow } from './upcastMigrationWorkflow.js';
export { UndoMigrationWorkflow } from './undoMigrationWorkflow.js';
export { LiveEvaluationWorkflow } from './liveEvaluationWorkflow.js';
export { BatchScoringWorkflow } from './batchScoringWorkflow.js';
export * from './messages.js';
