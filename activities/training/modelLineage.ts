// The tags that tie a model version to what made it: its dataset (digest, cut, view), its
// training run and workflow, and the code's commit.
import type { ModelArtifact } from '../../ml/trainers/types.js';
import type { MlflowClient } from '../../mlflow/index.js';

export const MODEL_TAGS = {
  datasetDigest: 'hindsight.dataset_digest',
  cut: 'hindsight.cut',
  view: 'hindsight.view',
  viewCodeHash: 'hindsight.view_code_hash',
  workflowId: 'hindsight.workflow_id',
  trainingId: 'hindsight.training_id',
  trainer: 'hindsight.trainer',
  gitCommit: 'hindsight.git_commit',
  validationRocAuc: 'hindsight.validation_roc_auc',
} as const;

export const MODEL_ARTIFACT = 'model/model.json';

/** The model artifact its training run logged. */
export const readModelArtifact = async (
  mlflow: Pick<MlflowClient, 'downloadArtifact'>,
  runId: string,
): Promise<ModelArtifact> =>
  JSON.parse(
    (await mlflow.downloadArtifact({ runId, path: MODEL_ARTIFACT })).toString(),
  ) as ModelArtifact;
