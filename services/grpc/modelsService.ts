// gRPC Models service: the registered models of MLflow with their versions, metrics and
// lineage, the champion, and the alias history — read from the promotion events in the log,
// since MLflow keeps only where an alias points now — and the rollback of a champion.
import { type EventStore, ValidationError } from '../../eventstore/index.js';
import { reportMalformed } from '../../platform/skippedEvents.js';
import { readAliasHistory } from '../aliasHistory.js';
import type { AliasChange, ModelsServer, ModelVersionInfo } from '../../gen/hindsight/v1/models.js';
import { CHAMPION_ALIAS, MODEL_TAGS } from '../../platform/modelRegistry.js';
import { isMlflowError, type MlflowClient } from '../../mlflow/index.js';
import { jsonBytes } from './pipelinesCodec.js';
import { status } from '@grpc/grpc-js';
import type { Predictor } from '../../serving/predictor.js';
import {
  getLiveEvaluation,
  rollbackModel,
  startBatchScoring,
  startLiveEvaluation,
  stopLiveEvaluation,
  type ModelWorkflowDeps,
} from './modelWorkflowCalls.js';
import { statusError } from './status.js';
import { unary } from './unary.js';
import { MODEL_NAME } from '../../ml/names.js';

export interface ModelsServiceDeps {
  store: Pick<EventStore, 'readStream'>;
  mlflow: MlflowClient;
  /** Online prediction; without it `Predict` answers UNIMPLEMENTED. */
  predictor?: Predictor;
  /** Live evaluation and batch scoring (Temporal); without it their calls answer UNIMPLEMENTED. */
  workflows?: ModelWorkflowDeps;
  onInternalError: (error: unknown) => void;
  /** A log line about something skipped (e.g. a malformed platform event); default: none. */
  onWarning?: (message: string) => void;
}

/** Versions shown by GetModel, newest first. */
const MAX_VERSIONS = 100;

const aliasHistory = async (
  store: Pick<EventStore, 'readStream'>,
  name: string,
  onWarning: (message: string) => void,
): Promise<AliasChange[]> => {
  const { changes, malformed } = await readAliasHistory(store, name, 10_000);
  reportMalformed('get_model', `GetModel ${name}`, malformed, onWarning);
  return changes.map((change) => ({
    atMs: change.at,
    outcome: change.outcome,
    decidedBy: change.decidedBy,
    fromVersion: change.fromVersion ?? '',
    toVersion: change.toVersion,
    reviewer: change.reviewer ?? '',
    reason: change.reason,
    datasetDigest: change.datasetDigest,
    pipelineId: change.pipelineId,
    interval: change.interval ?? undefined,
  }));
};

const needWorkflows = (deps: ModelWorkflowDeps | undefined): ModelWorkflowDeps => {
  if (!deps) throw statusError(status.UNIMPLEMENTED, 'this server runs no workflows for models');
  return deps;
};

export const createModelsService = ({
  store,
  mlflow,
  predictor,
  workflows,
  onInternalError,
  onWarning = () => undefined,
}: ModelsServiceDeps): ModelsServer => ({
  startLiveEvaluation: unary(onInternalError, async (request) =>
    startLiveEvaluation(needWorkflows(workflows), request),
  ),
  getLiveEvaluation: unary(onInternalError, async ({ modelName }) =>
    getLiveEvaluation(needWorkflows(workflows), modelName),
  ),
  startBatchScoring: unary(onInternalError, async (request) =>
    startBatchScoring(needWorkflows(workflows), request),
  ),
  rollbackModel: unary(onInternalError, async (request) =>
    rollbackModel({ ...needWorkflows(workflows), store, mlflow }, request),
  ),
  stopLiveEvaluation: unary(onInternalError, async ({ modelName }) => {
    await stopLiveEvaluation(needWorkflows(workflows), modelName);
    return {};
  }),
  predict: unary(onInternalError, async ({ modelName, entityId, predictionId, asOfMs }) => {
    if (!predictor) {
      throw statusError(status.UNIMPLEMENTED, 'this server does not serve predictions');
    }
    const prediction = await predictor.predict({
      modelName,
      entityId,
      predictionId: predictionId === '' ? undefined : predictionId,
      asOf: asOfMs === 0 ? undefined : asOfMs,
    });
    return {
      predictionId: prediction.predictionId,
      modelName: prediction.modelName,
      modelVersion: prediction.modelVersion,
      score: prediction.score,
      entityId: prediction.entityId,
      featuresJson: jsonBytes(prediction.features),
      featuresDigest: prediction.featuresDigest,
      logTransactionId: prediction.logPosition.transactionId,
      logGlobalPosition: prediction.logPosition.globalPosition,
      predictedAtMs: prediction.predictedAt,
      eventGlobalPosition: prediction.eventPosition,
      replayed: prediction.replayed,
    };
  }),

  listModels: unary(onInternalError, async () => {
    const { items } = await mlflow.searchRegisteredModels({ maxResults: 1000 });
    const models = await Promise.all(
      items.map(async (model) => {
        const { items: latest } = await mlflow.searchModelVersions({
          filter: `name = '${model.name}'`,
          orderBy: ['version_number DESC'],
          maxResults: 1,
        });
        return {
          name: model.name,
          championVersion: model.aliases[CHAMPION_ALIAS] ?? '',
          latestVersion: latest[0]?.version ?? '',
          updatedAtMs: model.lastUpdatedTimestamp ?? 0,
        };
      }),
    );
    return { models: models.sort((a, b) => a.name.localeCompare(b.name)) };
  }),

  getModel: unary(onInternalError, async ({ name }) => {
    if (!MODEL_NAME.test(name)) throw new ValidationError('name', `'${name}' is not a model name`);
    const model = await mlflow.getRegisteredModel(name).catch((error: unknown) => {
      if (!isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) throw error;
      throw statusError(status.NOT_FOUND, `model '${name}' not found`, {
        reason: 'MODEL_NOT_FOUND',
        metadata: { model: name },
      });
    });
    const { items } = await mlflow.searchModelVersions({
      filter: `name = '${name}'`,
      orderBy: ['version_number DESC'],
      maxResults: MAX_VERSIONS,
    });
    const aliasesOf = (version: string): string[] =>
      Object.entries(model.aliases)
        .filter(([, v]) => v === version)
        .map(([alias]) => alias);
    const versions = await Promise.all(
      items.map(async (version): Promise<ModelVersionInfo> => {
        const metrics = version.runId
          ? Object.fromEntries(
              (await mlflow.getRun(version.runId)).metrics.map((m) => [m.key, m.value]),
            )
          : {};
        return {
          version: version.version,
          createdAtMs: version.creationTimestamp ?? 0,
          trainer: version.tags[MODEL_TAGS.trainer] ?? '',
          datasetDigest: version.tags[MODEL_TAGS.datasetDigest] ?? '',
          cut: Number(version.tags[MODEL_TAGS.cut] ?? 0),
          view: version.tags[MODEL_TAGS.view] ?? '',
          workflowId: version.tags[MODEL_TAGS.workflowId] ?? '',
          gitCommit: version.tags[MODEL_TAGS.gitCommit] ?? '',
          runId: version.runId ?? '',
          aliases: aliasesOf(version.version),
          metricsJson: jsonBytes(metrics),
        };
      }),
    );
    return {
      name,
      championVersion: model.aliases[CHAMPION_ALIAS] ?? '',
      versions,
      aliasHistory: await aliasHistory(store, name, onWarning),
    };
  }),
});
