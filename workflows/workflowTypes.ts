// The name each workflow is registered under (its function's name). Outside workflows/ a workflow
// module is imported as a type only, since it must not load in the server, so a client starts one
// by its type and this name: `start<typeof RetrainingPipeline>(WORKFLOW_TYPES.RetrainingPipeline)`.
// Imports nothing: the console's page bundles it too.
export const WORKFLOW_TYPES = {
  RetrainingPipeline: 'RetrainingPipeline',
  DatasetWorkflow: 'DatasetWorkflow',
  PromotionWorkflow: 'PromotionWorkflow',
  RollbackWorkflow: 'RollbackWorkflow',
  LiveEvaluationWorkflow: 'LiveEvaluationWorkflow',
  BatchScoringWorkflow: 'BatchScoringWorkflow',
  SnapshotWorkflow: 'SnapshotWorkflow',
  UpcastMigrationWorkflow: 'UpcastMigrationWorkflow',
  UndoMigrationWorkflow: 'UndoMigrationWorkflow',
} as const;

export type WorkflowType = keyof typeof WORKFLOW_TYPES;

/** Every workflow type, in the order the console offers them. */
export const WORKFLOW_TYPE_NAMES = Object.keys(WORKFLOW_TYPES) as readonly WorkflowType[];
