// Every workflow the worker runs; the worker bundles this file.
export { DatasetWorkflow, datasetProgressQuery } from './datasetWorkflow.js';
export {
  PromotionWorkflow,
  approveUpdate,
  promotionStatusQuery,
  rejectUpdate,
} from './promotionWorkflow.js';
export { RetrainingPipeline, pipelineProgressQuery } from './retrainingPipeline.js';
export { RollbackWorkflow } from './rollbackWorkflow.js';
export { SnapshotWorkflow, snapshotProgressQuery } from './snapshotWorkflow.js';
export {
  UpcastMigrationWorkflow,
  abortMigrationSignal,
  migrationProgressQuery,
  resumeMigrationSignal,
} from './upcastMigrationWorkflow.js';
export { UndoMigrationWorkflow, undoProgressQuery } from './undoMigrationWorkflow.js';
export {
  LiveEvaluationWorkflow,
  liveEvaluationStatusQuery,
  stopLiveEvaluationSignal,
} from './liveEvaluationWorkflow.js';
export { BatchScoringWorkflow, batchScoringProgressQuery } from './batchScoringWorkflow.js';
