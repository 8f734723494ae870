// The Models service's workflow calls: start LiveEvaluationWorkflow for a model (one per model,
// id `live-evaluation-<model>`), read its status query, stop it; batch scoring now or on a
// schedule. The input is checked here with the workflow's own parser, so a bad request starts
// nothing.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ValidationError } from '../../eventstore/errors.js';
import { parseJsonField } from './codec.js';
import type {
  GetLiveEvaluationResponse,
  StartBatchScoringRequest,
  StartBatchScoringResponse,
  StartLiveEvaluationRequest,
} from '../../gen/hindsight/v1/models.js';
import { putScoringSchedule } from '../schedules/scoringSchedule.js';
import type { FeatureViewRegistry } from '../../activities/datasets/featureViewRegistry.js';
import {
  parseLiveEvaluationInput,
  type LiveEvaluationInput,
} from '../../workflows/liveEvaluationInput.js';
import type { LiveEvaluationStatus } from '../../workflows/liveEvaluationWorkflow.js';
import { jsonBytes } from './pipelinesCodec.js';
import { MODEL_NAME } from '../../ml/names.js';

export interface ModelWorkflowDeps {
  client: Client;
  taskQueue: string;
  views: FeatureViewRegistry;
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
  await client.workflow.start('LiveEvaluationWorkflow', { taskQueue, workflowId, args: [input] });
  return { workflowId };
};

export const getLiveEvaluation = async (
  { client }: ModelWorkflowDeps,
  modelName: string,
): Promise<GetLiveEvaluationResponse> => {
  const workflowId = liveEvaluationIdOf(checkedModel(modelName));
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const running = description.status.name === 'RUNNING';
  let status: LiveEvaluationStatus | null = null;
  try {
    status = running
      ? await handle.query<LiveEvaluationStatus>('status')
      : ((await handle.result()) as LiveEvaluationStatus);
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
    const workflowId = `scoring-${modelName}-${Date.now()}`;
    await client.workflow.start('BatchScoringWorkflow', {
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
  await client.workflow.getHandle(liveEvaluationIdOf(checkedModel(modelName))).signal('stop');
};
