// Evaluates the challengers and the current champion on the same validation rows of the same
// dataset: every metric of `ml/metrics`, a constant predictor at the training base rate as the
// baseline, ROC and reliability plots (SVG, shown by MLflow's UI), all logged to an evaluation
// run; each challenger's training run and model version get its validation figures too.
import { ApplicationFailure } from '@temporalio/activity';
import { firstAttempt, heartbeat } from '../heartbeat.js';
import {
  baseRateMetrics,
  calibrationSvg,
  calibrationTable,
  evaluateClassifier,
  rocCurve,
  rocCurveSvg,
  type ClassifierMetrics,
} from '../../ml/metrics/index.js';
import { loggedMetricKey, type Metrics } from '../../ml/promotion/metricDirections.js';
import { loadModel } from '../../ml/trainers/registry.js';
import type { ModelArtifact } from '../../ml/trainers/types.js';
import type { MlflowClient } from '../../mlflow/index.js';
import { experimentOf } from '../datasets/datasetRun.js';
import { currentChampion } from '../promotion/moveChampion.js';
import { MODEL_TAGS, readModelArtifact } from './modelLineage.js';
import { fetchPublishedDataset } from './publishedDataset.js';
import { readDatasetSplits, type LabelledSet } from './readSplits.js';
import type { EvaluateModelsInput, EvaluatedModel, Evaluation } from './types.js';

export interface EvaluateModelsDeps {
  mlflow: MlflowClient;
  workDir: string;
}

/** The figures promotion rules compare, from the full metrics. */
export const comparableMetrics = (m: ClassifierMetrics): Metrics => ({
  rocAuc: m.rocAuc,
  prAuc: m.prAuc,
  logLoss: m.logLoss,
  brier: m.brier,
  accuracy: m.accuracy,
  precision: m.precision,
  recall: m.recall,
  f1: m.f1,
  ece: m.ece,
});

const artifactOf = async (
  mlflow: MlflowClient,
  modelName: string,
  version: string,
): Promise<ModelArtifact> => {
  const registered = await mlflow.getModelVersion({ name: modelName, version });
  if (!registered.runId) {
    throw ApplicationFailure.nonRetryable(
      `model ${modelName} v${version} has no run: it was not trained by Hindsight`,
      'MODEL_NOT_LOADABLE',
    );
  }
  return readModelArtifact(mlflow, registered.runId);
};

interface Scored {
  name: string;
  version: string;
  scores: number[];
  metrics: ClassifierMetrics;
}

const score = async (
  mlflow: MlflowClient,
  modelName: string,
  version: string,
  role: string,
  validation: LabelledSet,
  threshold: number,
): Promise<Scored> => {
  heartbeat({ scoring: `${role} v${version}` });
  const scores = loadModel(await artifactOf(mlflow, modelName, version)).predict(validation.rows);
  return {
    name: `${role} v${version}`,
    version,
    scores,
    metrics: evaluateClassifier(validation.labels, scores, { threshold }),
  };
};

export const evaluateModels = async (
  { mlflow, workDir }: EvaluateModelsDeps,
  { workflowId, view, modelName, datasetDigest, challengers, threshold }: EvaluateModelsInput,
): Promise<Evaluation> => {
  const dataset = await fetchPublishedDataset(mlflow, workDir, view, datasetDigest);
  const { train, validation } = await readDatasetSplits(
    dataset.manifest,
    dataset.parquetFile,
    workDir,
    ['train', 'validation'],
  );
  const championVersion = await currentChampion(mlflow, modelName);
  const champion =
    championVersion === null
      ? null
      : await score(mlflow, modelName, championVersion, 'champion', validation, threshold);
  const scored: Scored[] = [];
  for (const challenger of challengers) {
    scored.push(
      await score(mlflow, modelName, challenger.version, challenger.trainer, validation, threshold),
    );
  }
  const base = baseRateMetrics(train.labels, validation.labels);
  const baseline: Metrics = {
    rocAuc: base.rocAuc,
    prAuc: base.prAuc,
    logLoss: base.logLoss,
    brier: base.brier,
  };

  heartbeat({ logging: true });
  const experiment = await mlflow.getOrCreateExperiment({ name: experimentOf(view) });
  const run = await mlflow.createRunIdempotent({
    experimentId: experiment.experimentId,
    idempotencyKey: `evaluate:${workflowId}`,
    exclusive: firstAttempt(),
    runName: `evaluate ${modelName} on ${datasetDigest.slice(0, 12)}`,
    tags: {
      'hindsight.kind': 'evaluation',
      [MODEL_TAGS.view]: view,
      [MODEL_TAGS.datasetDigest]: datasetDigest,
      [MODEL_TAGS.workflowId]: workflowId,
    },
  });
  const runId = run.info.runId;
  const all = champion ? [champion, ...scored] : scored;
  await mlflow.logBatch({
    runId,
    params: { model: modelName, dataset_digest: datasetDigest, threshold },
    metrics: [
      { key: 'validation_rows', value: validation.labels.length },
      { key: 'baseline.log_loss', value: base.logLoss },
      { key: 'baseline.brier', value: base.brier },
      ...all.flatMap(({ version, metrics }) =>
        Object.entries(comparableMetrics(metrics))
          .filter((entry): entry is [string, number] => entry[1] !== null)
          .map(([key, value]) => ({ key: `v${version}.${loggedMetricKey(key)}`, value })),
      ),
    ],
  });
  const upload = (path: string, text: string, contentType: string) =>
    mlflow.uploadArtifact({ runId, path, content: Buffer.from(text), contentType });
  await upload(
    'plots/roc.svg',
    rocCurveSvg(
      all.map(({ name, metrics, scores }) => ({
        name,
        auc: metrics.rocAuc,
        points: rocCurve(validation.labels, scores) ?? [],
      })),
      `ROC on ${validation.labels.length} validation rows`,
    ),
    'image/svg+xml',
  );
  await upload(
    'plots/calibration.svg',
    calibrationSvg(
      all.map(({ name, scores }) => ({ name, table: calibrationTable(validation.labels, scores) })),
    ),
    'image/svg+xml',
  );
  const evaluated = (s: Scored): EvaluatedModel => ({
    version: s.version,
    metrics: comparableMetrics(s.metrics),
  });
  const evaluation: Evaluation = {
    runId,
    validationRows: validation.labels.length,
    baseline,
    champion: champion && evaluated(champion),
    challengers: scored.map(evaluated),
  };
  await upload(
    'evaluation.json',
    `${JSON.stringify({ ...evaluation, full: all.map(({ name, metrics }) => ({ name, metrics })) }, null, 2)}\n`,
    'application/json',
  );
  // Each challenger's own run and version carry its validation figures.
  for (const [i, challenger] of challengers.entries()) {
    const metrics = scored[i]?.metrics;
    if (!metrics) continue;
    await mlflow.logBatch({
      runId: challenger.runId,
      metrics: Object.entries(comparableMetrics(metrics))
        .filter((entry): entry is [string, number] => entry[1] !== null)
        .map(([key, value]) => ({ key: `val_${loggedMetricKey(key)}`, value })),
    });
    if (metrics.rocAuc !== null) {
      await mlflow.setModelVersionTag({
        name: modelName,
        version: challenger.version,
        key: MODEL_TAGS.validationRocAuc,
        value: metrics.rocAuc.toFixed(4),
      });
    }
  }
  await mlflow.updateRun({ runId, status: 'FINISHED' });
  return evaluation;
};
