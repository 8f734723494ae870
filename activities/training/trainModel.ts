// Trains one model on a dataset's train split and registers it as a model version with its
// lineage. Retries are safe: the run is found again by its idempotency key, and a run that
// already registered its version returns that version rather than a second one.
import { performance } from 'node:perf_hooks';
import { manifestFeatureTypes } from '../../ml/datasetManifest.js';
import { getTrainer } from '../../ml/trainers/registry.js';
import { trainerConfigHash } from '../../ml/trainers/trainerConfigHash.js';
import { cancellationSignal, firstAttempt, heartbeat } from '../heartbeat.js';
import type { MlflowClient, ModelVersion } from '../../mlflow/index.js';
import { experimentOf } from '../datasets/datasetRun.js';
import { datasetInputOf } from '../datasets/datasetSource.js';
import { MODEL_ARTIFACT, MODEL_TAGS, positionTag } from '../../platform/modelRegistry.js';
import { fetchPublishedDataset, handedDataset } from './publishedDataset.js';
import { readDatasetSplits } from './readSplits.js';
import { trainInThread } from './trainInThread.js';
import type { TrainModelInput, TrainedVersion } from './types.js';

export interface TrainModelDeps {
  mlflow: MlflowClient;
  workDir: string;
  gitCommit: string;
  /** The MLflow server's address as its users reach it; default: the tracking URI. */
  mlflowUrl?: string;
}

const registeredVersionOf = async (
  mlflow: MlflowClient,
  modelName: string,
  runId: string,
): Promise<ModelVersion | undefined> => {
  const { items } = await mlflow.searchModelVersions({
    filter: `name = '${modelName}' and run_id = '${runId}'`,
  });
  return items[0];
};

/**
 * The version of this model that learnt from this very dataset with this very configuration,
 * if any (the first registered): training again would only register its twin.
 */
const sameModelVersion = async (
  mlflow: MlflowClient,
  modelName: string,
  digest: string,
  config: string,
): Promise<ModelVersion | undefined> => {
  const { items } = await mlflow.searchModelVersions({
    filter:
      `name = '${modelName}' and tags.\`${MODEL_TAGS.datasetDigest}\` = '${digest}' and ` +
      `tags.\`${MODEL_TAGS.trainerConfig}\` = '${config}'`,
  });
  return items.sort((a, b) => Number(a.version) - Number(b.version))[0];
};

/** Params as MLflow's flat, write-once key-value pairs. */
const flatParams = (params: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries((params ?? {}) as Record<string, unknown>).map(([key, value]) => [
      `param.${key}`,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );

export const trainModel = async (
  { mlflow, workDir, gitCommit, mlflowUrl }: TrainModelDeps,
  input: TrainModelInput,
): Promise<TrainedVersion> => {
  const { workflowId, trainingId, view, modelName, trainer: spec, pipelineRunId } = input;
  const ref = handedDataset(input);
  const trainer = getTrainer(spec.name);
  const params = trainer.parseParams(spec.params ?? {});
  const seed = spec.seed ?? 1;
  const datasetDigest = ref.digest;
  const config = trainerConfigHash(spec.name, params, seed);
  const twin = await sameModelVersion(mlflow, modelName, datasetDigest, config);
  // A retry of this very training finds its own version: that is not a reuse.
  const retried =
    twin?.tags[MODEL_TAGS.workflowId] === workflowId &&
    twin.tags[MODEL_TAGS.trainingId] === trainingId;
  if (twin && !retried) {
    const earlier = twin.runId ? await mlflow.getRun(twin.runId) : null;
    const metrics = Object.fromEntries((earlier?.metrics ?? []).map((m) => [m.key, m.value]));
    return {
      modelName,
      version: twin.version,
      runId: twin.runId ?? '',
      trainer: spec.name,
      params,
      seed,
      trainingSeconds: metrics.training_seconds ?? 0,
      trainRows: metrics.train_rows ?? 0,
      reused: true,
    };
  }
  const dataset = await fetchPublishedDataset(mlflow, workDir, view, ref);
  const { manifest } = dataset;
  // Every row trained on was observed before the validation window (or, with no usable row,
  // the cut): what the evaluation of a later challenger must not score this version on.
  const trainedBefore = positionTag(
    'validationFrom' in manifest.split && manifest.split.validationFrom
      ? manifest.split.validationFrom
      : { transactionId: manifest.cut.transactionId, globalPosition: 0 },
  );
  const experiment = await mlflow.getOrCreateExperiment({ name: experimentOf(view) });
  const run = await mlflow.createRunIdempotent({
    experimentId: experiment.experimentId,
    idempotencyKey: `train:${workflowId}:${trainingId}`,
    exclusive: firstAttempt(),
    runName: `train ${spec.name} on ${datasetDigest.slice(0, 12)}`,
    tags: {
      'hindsight.kind': 'training',
      [MODEL_TAGS.view]: view,
      [MODEL_TAGS.datasetDigest]: datasetDigest,
      [MODEL_TAGS.datasetRunId]: ref.runId,
      [MODEL_TAGS.cut]: String(manifest.cut.transactionId),
      [MODEL_TAGS.workflowId]: workflowId,
      [MODEL_TAGS.trainingId]: trainingId,
      [MODEL_TAGS.trainer]: spec.name,
      [MODEL_TAGS.trainerConfig]: config,
      'mlflow.source.git.commit': gitCommit,
      ...(pipelineRunId ? { 'mlflow.parentRunId': pipelineRunId } : {}),
    },
  });
  const runId = run.info.runId;
  const done = (version: ModelVersion, seconds: number, rows: number): TrainedVersion => ({
    modelName,
    version: version.version,
    runId,
    trainer: spec.name,
    params,
    seed,
    trainingSeconds: seconds,
    trainRows: rows,
  });
  const already = await registeredVersionOf(mlflow, modelName, runId);
  if (already) {
    const metrics = Object.fromEntries(run.metrics.map((m) => [m.key, m.value]));
    return done(already, metrics.training_seconds ?? 0, metrics.train_rows ?? 0);
  }

  const splits = await readDatasetSplits(manifest, dataset.parquetFile, workDir, ['train']);
  const featureTypes = manifestFeatureTypes(manifest.columns);
  heartbeat({ stage: 'training', rows: splits.train.rows.length });
  const started = performance.now();
  const trained = await trainInThread(
    {
      trainer: spec.name,
      set: {
        featureNames: splits.train.featureNames,
        featureTypes,
        rows: splits.train.rows,
        labels: splits.train.labels,
      },
      params,
      seed,
    },
    () => heartbeat({ stage: 'training', rows: splits.train.rows.length }),
    cancellationSignal(),
  );
  const trainingSeconds = (performance.now() - started) / 1000;
  heartbeat({ stage: 'uploading' });

  await mlflow.uploadArtifact({
    runId,
    path: MODEL_ARTIFACT,
    content: Buffer.from(JSON.stringify(trained.artifact)),
    contentType: 'application/json',
  });
  await mlflow.logBatch({
    runId,
    params: {
      trainer: spec.name,
      seed,
      dataset_digest: datasetDigest,
      ...flatParams(params),
    },
    metrics: [
      { key: 'training_seconds', value: trainingSeconds },
      { key: 'train_rows', value: splits.train.rows.length },
      ...trained.iterations.flatMap(({ step, metrics }) =>
        Object.entries(metrics).map(([key, value]) => ({ key: `train_${key}`, value, step })),
      ),
    ],
  });
  await mlflow.logInputs({
    runId,
    datasets: [
      datasetInputOf(
        manifest,
        { artifactUri: dataset.run.info.artifactUri, mlflowUrl: mlflowUrl ?? mlflow.trackingUri },
        'training',
      ),
    ],
  });
  await mlflow.getOrCreateRegisteredModel({
    name: modelName,
    description: `Hindsight model of feature view ${view}`,
  });
  const version =
    (await registeredVersionOf(mlflow, modelName, runId)) ??
    (await mlflow.createModelVersion({
      name: modelName,
      source: `${run.info.artifactUri}/model`,
      runId,
      tags: {
        [MODEL_TAGS.datasetDigest]: datasetDigest,
        [MODEL_TAGS.datasetRunId]: ref.runId,
        [MODEL_TAGS.trainerConfig]: config,
        [MODEL_TAGS.trainedBefore]: trainedBefore,
        [MODEL_TAGS.cut]: String(manifest.cut.transactionId),
        [MODEL_TAGS.view]: view,
        [MODEL_TAGS.viewCodeHash]: manifest.view.codeHash,
        [MODEL_TAGS.workflowId]: workflowId,
        [MODEL_TAGS.trainingId]: trainingId,
        [MODEL_TAGS.trainer]: spec.name,
        [MODEL_TAGS.gitCommit]: gitCommit,
      },
    }));
  await mlflow.updateRun({ runId, status: 'FINISHED' });
  return done(version, trainingSeconds, splits.train.rows.length);
};
