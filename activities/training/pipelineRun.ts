// The MLflow run of a retraining pipeline: the parent under which its dataset, training and
// evaluation runs nest (MLflow's `mlflow.parentRunId`), all tagged with the pipeline's workflow
// id. When the pipeline ends, the run records the dataset as its input, the versions it
// registered, the outcome and the champion, and a description for MLflow's UI: an MLflow user
// goes pipeline → dataset → model versions → champion without knowing Hindsight's tags.
import { firstAttempt } from '../heartbeat.js';
import type { MlflowClient, RunStatus } from '../../mlflow/index.js';
import { experimentOf } from '../datasets/datasetRun.js';
import { datasetInputOf } from '../datasets/datasetSource.js';
import { MODEL_TAGS, currentChampion } from '../../platform/modelRegistry.js';
import { publishedManifest } from './publishedDataset.js';
import type { DatasetRef, TrainedVersion } from './types.js';

export interface PipelineRunDeps {
  mlflow: MlflowClient;
  gitCommit: string;
  /** The MLflow server's address as its users reach it; default: the tracking URI. */
  mlflowUrl?: string;
}

export const PIPELINE_TAGS = {
  kind: 'hindsight.kind',
  view: MODEL_TAGS.view,
  model: 'hindsight.model',
  workflowId: MODEL_TAGS.workflowId,
  datasetRunId: MODEL_TAGS.datasetRunId,
  datasetDigest: MODEL_TAGS.datasetDigest,
  /** The versions the pipeline trained, e.g. `3,4`. */
  versions: 'hindsight.model_versions',
  outcome: 'hindsight.outcome',
  /** The champion when the pipeline ended; `none` when the model has none. */
  champion: 'hindsight.champion_version',
  /** MLflow's own: the run's description in its UI. */
  description: 'mlflow.note.content',
} as const;

export interface OpenPipelineRunInput {
  workflowId: string;
  view: string;
  modelName: string;
}

export type PipelineOutcome =
  'promoted' | 'rejected' | 'unchanged' | 'skipped' | 'failed' | 'cancelled';

export interface ClosePipelineRunInput {
  runId: string;
  view: string;
  modelName: string;
  outcome: PipelineOutcome;
  dataset: DatasetRef | null;
  trained: Pick<TrainedVersion, 'version' | 'trainer' | 'reused'>[];
  /** Why it skipped or failed. */
  note: string | null;
}

/** Opens the pipeline's run once per workflow: a retry finds the same run. */
export const openPipelineRun = async (
  { mlflow, gitCommit }: PipelineRunDeps,
  { workflowId, view, modelName }: OpenPipelineRunInput,
): Promise<{ runId: string }> => {
  const experiment = await mlflow.getOrCreateExperiment({ name: experimentOf(view) });
  const run = await mlflow.createRunIdempotent({
    experimentId: experiment.experimentId,
    idempotencyKey: `pipeline:${workflowId}`,
    exclusive: firstAttempt(),
    runName: `pipeline ${modelName}`,
    tags: {
      [PIPELINE_TAGS.kind]: 'pipeline',
      [PIPELINE_TAGS.view]: view,
      [PIPELINE_TAGS.model]: modelName,
      [PIPELINE_TAGS.workflowId]: workflowId,
      'mlflow.source.git.commit': gitCommit,
      [PIPELINE_TAGS.description]:
        `Retraining pipeline of model **${modelName}** on feature view \`${view}\` ` +
        `(Temporal workflow \`${workflowId}\`): running.`,
    },
  });
  return { runId: run.info.runId };
};

const STATUS: Record<PipelineOutcome, RunStatus> = {
  promoted: 'FINISHED',
  rejected: 'FINISHED',
  unchanged: 'FINISHED',
  skipped: 'FINISHED',
  failed: 'FAILED',
  cancelled: 'KILLED',
};

/** What happened, in words, for the run's description. */
export const describePipeline = (
  input: ClosePipelineRunInput,
  champion: string | null,
  workflowId: string,
): string => {
  const { modelName, view, outcome, trained, note } = input;
  const lines = [
    `Retraining pipeline of model **${modelName}** on feature view \`${view}\` ` +
      `(Temporal workflow \`${workflowId}\`).`,
    '',
  ];
  if (input.dataset) {
    lines.push(
      `- Dataset: run \`${input.dataset.runId}\`, digest \`${input.dataset.digest.slice(0, 12)}\`.`,
    );
  }
  for (const version of trained) {
    lines.push(
      `- ${version.reused ? 'Reused' : 'Trained'} ${modelName} version ${version.version} ` +
        `(${version.trainer}).`,
    );
  }
  const outcomes: Record<PipelineOutcome, string> = {
    promoted: `Version ${champion ?? '?'} was promoted to champion.`,
    rejected: `The challenger was rejected; the champion is ${champion === null ? 'none' : `version ${champion}`}.`,
    unchanged: `The selected version ${champion ?? '?'} is the champion already.`,
    skipped: 'Skipped: nothing new to learn.',
    failed: 'Failed.',
    cancelled: 'Cancelled.',
  };
  lines.push(`- ${outcomes[outcome]}`);
  if (note) lines.push('', note);
  return lines.join('\n');
};

/** Records how the pipeline ended and ends its run; safe to repeat. */
export const closePipelineRun = async (
  { mlflow, mlflowUrl }: PipelineRunDeps,
  input: ClosePipelineRunInput,
): Promise<void> => {
  const { runId, view, modelName, dataset, trained, outcome } = input;
  const [run, champion] = await Promise.all([
    mlflow.getRun(runId),
    currentChampion(mlflow, modelName),
  ]);
  if (dataset) {
    const published = await publishedManifest(mlflow, view, dataset);
    await mlflow.logInputs({
      runId,
      datasets: [
        datasetInputOf(
          published.manifest,
          {
            artifactUri: published.run.info.artifactUri,
            mlflowUrl: mlflowUrl ?? mlflow.trackingUri,
          },
          'training',
        ),
      ],
    });
  }
  await mlflow.logBatch({
    runId,
    tags: {
      [PIPELINE_TAGS.outcome]: outcome,
      [PIPELINE_TAGS.champion]: champion ?? 'none',
      [PIPELINE_TAGS.versions]: trained.map((t) => t.version).join(','),
      ...(dataset
        ? {
            [PIPELINE_TAGS.datasetRunId]: dataset.runId,
            [PIPELINE_TAGS.datasetDigest]: dataset.digest,
          }
        : {}),
      [PIPELINE_TAGS.description]: describePipeline(
        input,
        champion,
        run.tags[PIPELINE_TAGS.workflowId] ?? '',
      ).slice(0, 5000),
    },
  });
  if (run.info.status === 'RUNNING' || run.info.status === 'SCHEDULED') {
    await mlflow.updateRun({ runId, status: STATUS[outcome], endTime: Date.now() });
  }
};
