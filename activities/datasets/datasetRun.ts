// The MLflow run that records a dataset: opened once per workflow (retries find the same run),
// finished when the dataset is published, failed with the reason when it is abandoned.
import type { MlflowClient } from '../../mlflow/index.js';
import { firstAttempt } from '../heartbeat.js';
import { WORK_ARTIFACTS } from './datasetFiles.js';
import type { AbandonDatasetRunInput, DatasetRunRef, OpenDatasetRunInput } from './types.js';

/** The experiment of a view's datasets and of the models trained on them. */
export const experimentOf = (view: string): string => `hindsight/${view}`;

export const LINEAGE_TAGS = {
  kind: 'hindsight.kind',
  view: 'hindsight.view',
  viewVersion: 'hindsight.view_version',
  codeHash: 'hindsight.view_code_hash',
  cut: 'hindsight.cut',
  /** The workflow the run belongs to: the pipeline's, for every run of one pipeline. */
  workflowId: 'hindsight.workflow_id',
  /** The dataset workflow itself, when it runs for a pipeline. */
  datasetWorkflowId: 'hindsight.dataset_workflow_id',
  /** MLflow's own: the UI nests the run under it. */
  parentRunId: 'mlflow.parentRunId',
  gitCommit: 'mlflow.source.git.commit',
  digest: 'hindsight.dataset_digest',
  failure: 'hindsight.failure',
} as const;

export const openDatasetRun = async (
  mlflow: MlflowClient,
  gitCommit: string,
  { workflowId, view, cut, pipeline }: OpenDatasetRunInput,
): Promise<DatasetRunRef> => {
  const experiment = await mlflow.getOrCreateExperiment({ name: experimentOf(view.name) });
  const run = await mlflow.createRunIdempotent({
    experimentId: experiment.experimentId,
    idempotencyKey: `dataset:${workflowId}`,
    exclusive: firstAttempt(),
    runName: `dataset ${view.name} v${view.version} cut ${cut.transactionId}`,
    tags: {
      [LINEAGE_TAGS.kind]: 'dataset',
      [LINEAGE_TAGS.view]: view.name,
      [LINEAGE_TAGS.viewVersion]: String(view.version),
      [LINEAGE_TAGS.codeHash]: view.codeHash,
      [LINEAGE_TAGS.cut]: String(cut.transactionId),
      [LINEAGE_TAGS.workflowId]: pipeline?.workflowId ?? workflowId,
      [LINEAGE_TAGS.gitCommit]: gitCommit,
      ...(pipeline
        ? {
            [LINEAGE_TAGS.datasetWorkflowId]: workflowId,
            [LINEAGE_TAGS.parentRunId]: pipeline.runId,
          }
        : {}),
    },
  });
  return { runId: run.info.runId, experimentId: experiment.experimentId };
};

/**
 * Marks the run FAILED with the reason and drops its work files. Its dataset was never
 * published, so it has no dataset input, no manifest and no digest tag: nothing half-registered.
 */
export const abandonDatasetRun = async (
  mlflow: MlflowClient,
  { runId, reason }: AbandonDatasetRunInput,
): Promise<void> => {
  const run = await mlflow.getRun(runId);
  if (run.info.status === 'FINISHED') return;
  await mlflow.setTag({ runId, key: LINEAGE_TAGS.failure, value: reason.slice(0, 5000) });
  await mlflow.deleteArtifact({ runId, path: WORK_ARTIFACTS });
  await mlflow.updateRun({ runId, status: 'FAILED', endTime: Date.now() });
};
