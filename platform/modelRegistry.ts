// The platform's conventions in the MLflow model registry: the alias that marks a model's
// champion, the tags that tie a version to what made it (its dataset, training run and workflow,
// the code's commit), and where its training run keeps the model.
// The artifact's shape is ml's (a type only: nothing of ml runs here).
import type { ModelArtifact } from '../ml/trainers/types.js';
import { isMlflowError, type MlflowClient } from '../mlflow/index.js';

export const CHAMPION_ALIAS = 'champion';

export const MODEL_TAGS = {
  datasetDigest: 'hindsight.dataset_digest',
  datasetRunId: 'hindsight.dataset_run_id',
  /** sha256 of the trainer's name, parsed params and seed: with the digest, what makes a model. */
  trainerConfig: 'hindsight.trainer_config',
  /**
   * `<transaction id>.<global position>`: every row the version trained on was observed
   * before this position of the log (its dataset's validation window began there).
   */
  trainedBefore: 'hindsight.trained_before',
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

/** A position as the `trainedBefore` tag writes it. */
export const positionTag = (position: { transactionId: number; globalPosition: number }): string =>
  `${position.transactionId}.${position.globalPosition}`;

/** The position a `trainedBefore` tag names; null for a missing or malformed tag. */
export const parsePositionTag = (
  text: string | undefined,
): { transactionId: number; globalPosition: number } | null => {
  const match = /^([0-9]{1,16})\.([0-9]{1,16})$/.exec(text ?? '');
  if (!match) return null;
  return { transactionId: Number(match[1]), globalPosition: Number(match[2]) };
};

/** The version the champion alias points at; null when the model has no champion. */
export const currentChampion = async (
  mlflow: Pick<MlflowClient, 'getModelVersionByAlias'>,
  modelName: string,
): Promise<string | null> => {
  try {
    return (await mlflow.getModelVersionByAlias({ name: modelName, alias: CHAMPION_ALIAS }))
      .version;
  } catch (error) {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return null;
    throw error;
  }
};

/** The model artifact its training run logged. */
export const readModelArtifact = async (
  mlflow: Pick<MlflowClient, 'downloadArtifact'>,
  runId: string,
): Promise<ModelArtifact> =>
  JSON.parse(
    (await mlflow.downloadArtifact({ runId, path: MODEL_ARTIFACT })).toString(),
  ) as ModelArtifact;
