// The Models service's workflow calls: start LiveEvaluationWorkflow for a model (one per model,
// id `live-evaluation-<model>`), read its status query, stop it; batch scoring now or on a
// schedule; roll the champion back (RollbackWorkflow). The input is checked here with the
// workflow's own parser, or against the registry and the log, so a bad request starts nothing.
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { CHAMPION_ALIAS, MODEL_TAGS } from '../../platform/modelRegistry.js';
import { type EventStore, ValidationError } from '../../eventstore/index.js';
import { isMlflowError, type MlflowClient } from '../../mlflow/index.js';
import { rollbackTarget } from '../../ml/promotion/rollbackTarget.js';
import { failureMessage } from '../../workflows/failureMessage.js';
import { liveEvaluationStatusQuery, stopLiveEvaluationSignal } from '../../workflows/messages.js';
import type { RollbackInput, RollbackWorkflow } from '../../workflows/rollbackWorkflow.js';
import type { BatchScoringWorkflow } from '../../workflows/batchScoringWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { readAliasHistory } from '../aliasHistory.js';
import { parseJsonField } from './codec.js';
import type {
  GetLiveEvaluationResponse,
  RollbackModelRequest,
  RollbackModelResponse,
  StartBatchScoringRequest,
  StartBatchScoringResponse,
  StartLiveEvaluationRequest,
} from '../../gen/hindsight/v1/models.js';
import { putScoringSchedule } from '../schedules/scoringSchedule.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import {
  parseLiveEvaluationInput,
  type LiveEvaluationInput,
} from '../../workflows/liveEvaluationInput.js';
import type {
  LiveEvaluationStatus,
  LiveEvaluationWorkflow,
} from '../../workflows/liveEvaluationWorkflow.js';
import { jsonBytes } from './pipelinesCodec.js';
import { statusError } from './status.js';
import { MODEL_NAME, VIEW_NAME } from '../../ml/names.js';

export interface ModelWorkflowDeps {
  client: Client;
  taskQueue: string;
  views: FeatureViewRegistry;
  /** How long RollbackModel waits for its workflow before DEADLINE_EXCEEDED; default 60 s. */
  rollbackWaitMs?: number;
}

export const liveEvaluationIdOf = (modelName: string): string => `live-evaluation-${modelName}`;

const checkedModel = (modelName: string): string => {
  if (!MODEL_NAME.test(modelName)) {
    throw new ValidationError(
      'model_name',
      modelName === '' ? 'is required' : `'${modelName}' is not a model name`,
    );
  }
  return modelName;
};

export const startLiveEvaluation = async (
  { client, taskQueue, views }: ModelWorkflowDeps,
  request: StartLiveEvaluationRequest,
): Promise<{ workflowId: string }> => {
  const modelName = checkedModel(request.modelName);
  const input: LiveEvaluationInput = {
    modelName,
    view: request.view,
    ...(request.windowMs ? { windowMs: request.windowMs } : {}),
    ...(request.labelHorizonMs ? { labelHorizonMs: request.labelHorizonMs } : {}),
  };
  const policy = parseJsonField('policy_json', request.policyJson);
  if (policy !== undefined) input.policy = policy;
  const retraining = parseJsonField('retraining_json', request.retrainingJson);
  if (retraining !== undefined) input.retraining = retraining as LiveEvaluationInput['retraining'];
  parseLiveEvaluationInput(input);
  if (!views.names.includes(input.view)) {
    throw new ValidationError(
      'view',
      `'${input.view}' is not a feature view of this server; known: ${views.names.join(', ')}`,
    );
  }
  const workflowId = liveEvaluationIdOf(modelName);
  await client.workflow.start<typeof LiveEvaluationWorkflow>(
    WORKFLOW_TYPES.LiveEvaluationWorkflow,
    { taskQueue, workflowId, args: [input] },
  );
  return { workflowId };
};

export const getLiveEvaluation = async (
  { client }: ModelWorkflowDeps,
  modelName: string,
): Promise<GetLiveEvaluationResponse> => {
  const workflowId = liveEvaluationIdOf(checkedModel(modelName));
  const handle = client.workflow.getHandle<typeof LiveEvaluationWorkflow>(workflowId);
  const description = await handle.describe();
  const running = description.status.name === 'RUNNING';
  let status: LiveEvaluationStatus | null = null;
  try {
    status = running ? await handle.query(liveEvaluationStatusQuery) : await handle.result();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw error;
    status = null;
  }
  return {
    workflowId,
    workflowStatus: description.status.name,
    statusJson: jsonBytes(status),
  };
};

/** One batch now (interval 0), or the model's scoring schedule. */
export const startBatchScoring = async (
  { client, taskQueue }: ModelWorkflowDeps,
  request: StartBatchScoringRequest,
): Promise<StartBatchScoringResponse> => {
  const modelName = checkedModel(request.modelName);
  if (request.clock !== '' && request.clock !== 'wall' && request.clock !== 'log') {
    throw new ValidationError('clock', `must be 'wall' or 'log', not '${request.clock}'`);
  }
  const clock = request.clock === 'log' ? ('log' as const) : undefined;
  if (request.intervalSeconds === 0) {
    const workflowId = `batch-scoring-${modelName}-${randomUUID()}`;
    await client.workflow.start<typeof BatchScoringWorkflow>(WORKFLOW_TYPES.BatchScoringWorkflow, {
      taskQueue,
      workflowId,
      args: [{ modelName, ...(clock ? { clock } : {}) }],
    });
    return { workflowId, scheduleId: '', intervalSeconds: 0, nextRunAtMs: 0, created: true };
  }
  const { schedule, created } = await putScoringSchedule(client.schedule, taskQueue, {
    modelName,
    intervalSeconds: request.intervalSeconds,
    paused: request.paused,
    ...(clock ? { clock } : {}),
  });
  return {
    workflowId: '',
    scheduleId: schedule.id,
    intervalSeconds: schedule.intervalSeconds,
    nextRunAtMs: schedule.nextRunAt ?? 0,
    created,
  };
};

export const stopLiveEvaluation = async (
  { client }: ModelWorkflowDeps,
  modelName: string,
): Promise<void> => {
  await client.workflow
    .getHandle(liveEvaluationIdOf(checkedModel(modelName)))
    .signal(stopLiveEvaluationSignal);
};

export interface RollbackDeps extends ModelWorkflowDeps {
  store: Pick<EventStore, 'readStream'>;
  mlflow: MlflowClient;
}

const VERSION = /^[1-9][0-9]{0,9}$/;
const DIGEST = /^[0-9a-f]{64}$/;
const POLL_MS = 100;

const refused = (message: string) => statusError(grpcStatus.FAILED_PRECONDITION, message);

const registeredModel = async (mlflow: MlflowClient, name: string) => {
  try {
    return await mlflow.getRegisteredModel(name);
  } catch (error) {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) {
      throw statusError(grpcStatus.NOT_FOUND, `model '${name}' is not registered`);
    }
    throw error;
  }
};

/** The version to roll back to: the one asked for, or the champion the current one replaced. */
const targetOf = async (
  { store }: RollbackDeps,
  name: string,
  champion: string,
  asked: string,
): Promise<string> => {
  if (asked !== '') {
    if (asked === champion) throw refused(`version ${asked} of '${name}' is the champion already`);
    return asked;
  }
  const { changes } = await readAliasHistory(store, name, 10_000);
  const target = rollbackTarget(changes, champion);
  if (target.found) return target.version;
  if (target.why === 'first') {
    throw refused(
      `there is no earlier champion of '${name}': version ${champion} is its first ` +
        `(promoted by ${target.promotion?.decidedBy ?? 'rules'}); give to_version to choose a version`,
    );
  }
  throw refused(
    `there is no earlier champion of '${name}' in its alias history: no promotion made version ` +
      `${champion} champion (a rollback to a chosen version did, or a change outside Hindsight); ` +
      'give to_version to choose a version',
  );
};

/** The version's dataset digest ('' when it has none) and feature view, checked to exist. */
const existingVersion = async (
  mlflow: MlflowClient,
  name: string,
  version: string,
  asked: boolean,
): Promise<{ datasetDigest: string; view?: string }> => {
  try {
    const found = await mlflow.getModelVersion({ name, version });
    const digest = found.tags[MODEL_TAGS.datasetDigest] ?? '';
    const view = found.tags[MODEL_TAGS.view];
    return {
      datasetDigest: DIGEST.test(digest) ? digest : '',
      ...(view !== undefined && VIEW_NAME.test(view) ? { view } : {}),
    };
  } catch (error) {
    if (!isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) throw error;
    throw statusError(
      grpcStatus.NOT_FOUND,
      asked
        ? `version ${version} of model '${name}' does not exist`
        : `the earlier champion of '${name}', version ${version}, no longer exists in the registry; give to_version to choose another`,
    );
  }
};

/**
 * The workflow's failure as the status a caller can act on. Its activities' text (MLflow's URLs
 * and JSON) is not the caller's: an unexpected failure names the rollback, and its cause goes
 * to the server's log (toStatusError logs an INTERNAL status's cause).
 */
const failedRollback = async (
  mlflow: MlflowClient,
  input: RollbackInput,
  workflowId: string,
  error: unknown,
) => {
  const { modelName, fromVersion, toVersion } = input;
  const metadata = {
    model: modelName,
    from_version: fromVersion,
    to_version: toVersion,
    workflow_id: workflowId,
  };
  let cause = error;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  if (cause instanceof ApplicationFailure && cause.type === 'CHAMPION_CHANGED') {
    const now = (await mlflow.getRegisteredModel(modelName)).aliases[CHAMPION_ALIAS];
    return statusError(
      grpcStatus.ABORTED,
      `the champion of '${modelName}' moved to version ${now ?? 'none'} while the rollback ` +
        `from version ${fromVersion} was under way: nothing was moved or recorded; look again and retry`,
      { reason: 'CHAMPION_CHANGED', metadata },
    );
  }
  // The alias may have moved before the failure (e.g. the record failed): say where it is.
  const champion = await mlflow.getRegisteredModel(modelName).then(
    (model) => `; the champion is version ${model.aliases[CHAMPION_ALIAS] ?? 'none'}`,
    () => '',
  );
  return Object.assign(
    statusError(
      grpcStatus.INTERNAL,
      `the rollback of '${modelName}' from version ${fromVersion} to version ${toVersion} ` +
        `failed (workflow '${workflowId}'${champion}); the server's log has the cause`,
      { reason: 'ROLLBACK_FAILED', metadata },
    ),
    { cause: new Error(`${workflowId}: ${failureMessage(error)}`, { cause: error }) },
  );
};

/**
 * Rolls the champion back: checks everything a refusal needs (model, champion, target version)
 * before anything starts, then runs RollbackWorkflow and waits for it.
 */
export const rollbackModel = async (
  deps: RollbackDeps,
  request: RollbackModelRequest,
): Promise<RollbackModelResponse> => {
  const { client, taskQueue, mlflow, rollbackWaitMs: waitMs = 60_000 } = deps;
  const modelName = checkedModel(request.modelName);
  const actor = request.actor.trim();
  if (actor === '' || actor.length > 200) {
    throw new ValidationError('actor', 'give who rolls back (1 to 200 characters)');
  }
  if (request.reason.length > 2000) {
    throw new ValidationError('reason', `is ${request.reason.length} characters: at most 2000`);
  }
  const asked = request.toVersion.trim();
  if (asked !== '' && !VERSION.test(asked)) {
    throw new ValidationError('to_version', `'${asked}' is not a model version number`);
  }
  const champion = (await registeredModel(mlflow, modelName)).aliases[CHAMPION_ALIAS];
  if (champion === undefined) {
    throw refused(`model '${modelName}' has no champion: there is nothing to roll back`);
  }
  const toVersion = await targetOf(deps, modelName, champion, asked);
  const input: RollbackInput = {
    modelName,
    fromVersion: champion,
    toVersion,
    actor,
    reason: request.reason.trim(),
    ...(await existingVersion(mlflow, modelName, toVersion, asked !== '')),
  };
  const workflowId = `rollback-${modelName}-${randomUUID()}`;
  const handle = await client.workflow.start<typeof RollbackWorkflow>(
    WORKFLOW_TYPES.RollbackWorkflow,
    {
      taskQueue,
      workflowId,
      args: [input],
    },
  );
  // Polled rather than awaited, so that a call that gives up leaves no long poll behind.
  const deadline = Date.now() + waitMs;
  while ((await handle.describe()).status.name === 'RUNNING') {
    if (Date.now() > deadline) {
      throw statusError(
        grpcStatus.DEADLINE_EXCEEDED,
        `rollback workflow '${workflowId}' is still running after ${Math.round(waitMs / 1000)} s ` +
          `(is a worker polling task queue '${taskQueue}'?); it goes on when one picks it up`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    const result = await handle.result();
    return {
      workflowId,
      fromVersion: result.fromVersion,
      toVersion: result.toVersion,
      actor: result.actor,
      reason: result.reason,
      streamId: result.record.streamId,
      streamVersion: result.record.streamVersion,
      globalPosition: result.record.globalPosition,
    };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) throw error;
    throw await failedRollback(mlflow, input, workflowId, error);
  }
};
