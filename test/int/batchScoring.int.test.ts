// Batch scoring on the real stack: BatchScoringWorkflow scores every open order with the
// champion (a PredictionMade each, as Predict makes them), a repeated batch makes nothing twice,
// StartBatchScoring runs one now or puts the model's schedule; the live-evaluation calls start,
// read and stop LiveEvaluationWorkflow; bad requests start nothing.
import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namedEventId } from '../../activities/namedEventId.js';
import { scoreOpenEntities } from '../../activities/scoring/scoreOpenEntities.js';
import type {
  GetLiveEvaluationResponse,
  StartBatchScoringRequest,
  StartBatchScoringResponse,
  StartLiveEvaluationRequest,
  StartLiveEvaluationResponse,
} from '../../gen/hindsight/v1/models.js';
import { PREDICTION_MADE, predictionStreamOf } from '../../platform/predictionEvents.js';
import { builtInViewRegistry } from '../../runtime/worker.js';
import { scoringScheduleIdOf } from '../../services/schedules/scoringSchedule.js';
import type {
  BatchScoringProgress,
  BatchScoringWorkflow,
} from '../../workflows/batchScoringWorkflow.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { startServingStack, type ServingStack } from '../support/servingStack.js';
import { uniqueId } from '../support/temporal.js';
import { failureMessage } from '../../workflows/failureMessage.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';

let stack: ServingStack;

const startBatchScoring = (request: Partial<StartBatchScoringRequest>) =>
  new Promise<StartBatchScoringResponse>((resolve, reject) => {
    stack.models.startBatchScoring(
      { modelName: stack.modelName, intervalSeconds: 0, paused: false, clock: '', ...request },
      (error: ServiceError | null, response: StartBatchScoringResponse) =>
        error ? reject(error) : resolve(response),
    );
  });

const startLive = (request: Partial<StartLiveEvaluationRequest>) =>
  new Promise<StartLiveEvaluationResponse>((resolve, reject) => {
    stack.models.startLiveEvaluation(
      {
        modelName: stack.modelName,
        view: 'work_order_overrun',
        windowMs: 0,
        labelHorizonMs: 0,
        policyJson: Buffer.alloc(0),
        retrainingJson: Buffer.alloc(0),
        ...request,
      },
      (error: ServiceError | null, response: StartLiveEvaluationResponse) =>
        error ? reject(error) : resolve(response),
    );
  });

const getLive = (modelName: string) =>
  new Promise<GetLiveEvaluationResponse>((resolve, reject) => {
    stack.models.getLiveEvaluation(
      { modelName },
      (error: ServiceError | null, response: GetLiveEvaluationResponse) =>
        error ? reject(error) : resolve(response),
    );
  });

const predictionsRecorded = async (): Promise<number> => {
  const { rows } = await stack.db.pool.query<{ n: string }>(
    'select count(*)::text as n from hindsight.events where event_type = $1',
    [PREDICTION_MADE],
  );
  return Number(rows[0]?.n);
};

beforeAll(async () => {
  stack = await startServingStack({ prefix: 'scoring', demo: { seed: 53, workOrders: 400 } });
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

describe('batch scoring', () => {
  it('scores every open entity with the champion, once per batch', async () => {
    const open = [...stack.open].sort();
    expect(open.length).toBeGreaterThan(5);
    const workflowId = uniqueId('scoring');
    const progress = await stack.temporal.client.workflow.execute<typeof BatchScoringWorkflow>(
      WORKFLOW_TYPES.BatchScoringWorkflow,
      {
        taskQueue: stack.temporal.taskQueue,
        workflowId,
        args: [{ modelName: stack.modelName }],
      },
    );
    // The view's open orders include created-but-unassigned ones: at least the assigned ones.
    expect(progress.stage).toBe('done');
    expect(progress.result).toMatchObject({ modelVersion: stack.champion, replayed: 0, closed: 0 });
    expect(progress.result?.scored).toBeGreaterThanOrEqual(open.length);
    for (const entityId of open) {
      const id = namedEventId(`${workflowId}/${entityId}`);
      const { events } = await stack.db.store.readStream(predictionStreamOf(id));
      expect(JSON.parse(events[0]?.data ?? '{}')).toMatchObject({
        predictionId: id,
        entityId,
        modelVersion: stack.champion,
      });
    }
    // The same batch again (a retried activity): the predictions it made, nothing new.
    const before = await predictionsRecorded();
    const again = await scoreOpenEntities(
      { store: stack.db.store, mlflow: stack.temporal.mlflow, views: builtInViewRegistry() },
      { modelName: stack.modelName, batchId: workflowId },
    );
    expect(again).toMatchObject({ scored: 0, replayed: progress.result?.scored });
    expect(await predictionsRecorded()).toBe(before);
  });

  it('starts a batch now, or puts the model schedule', async () => {
    const now = await startBatchScoring({});
    expect(now.workflowId).toMatch(new RegExp(`^batch-scoring-${stack.modelName}-`));
    const done: BatchScoringProgress = await stack.temporal.client.workflow
      .getHandle<typeof BatchScoringWorkflow>(now.workflowId)
      .result();
    expect(done.stage).toBe('done');

    const put = await startBatchScoring({ intervalSeconds: 3600 });
    expect(put).toMatchObject({
      scheduleId: scoringScheduleIdOf(stack.modelName),
      intervalSeconds: 3600,
      created: true,
    });
    expect(put.nextRunAtMs).toBeGreaterThan(Date.now());
    const paused = await startBatchScoring({ intervalSeconds: 7200, paused: true });
    expect(paused).toMatchObject({ intervalSeconds: 7200, created: false, nextRunAtMs: 0 });
    await stack.temporal.client.schedule.getHandle(put.scheduleId).delete();
  });

  it('scores as of the log clock: the business time of the newest event the view reads', async () => {
    const { rows } = await stack.db.pool.query<{ at: Date }>(
      'select max(occurred_at) as at from hindsight.events where event_type = any($1::text[])',
      [workOrderOverrunView.eventTypes ?? []],
    );
    const logTime = rows[0]?.at.getTime() ?? 0;
    // The demo history lies in the past: the log's clock is well behind the wall clock.
    expect(logTime).toBeLessThan(Date.now() - 86_400_000);
    const { workflowId } = await startBatchScoring({ clock: 'log' });
    const done: BatchScoringProgress = await stack.temporal.client.workflow
      .getHandle<typeof BatchScoringWorkflow>(workflowId)
      .result();
    expect(done.result?.asOf).toBe(logTime);
    const entityId = [...stack.open].sort()[0] ?? '';
    const { events } = await stack.db.store.readStream(
      predictionStreamOf(namedEventId(`${workflowId}/${entityId}`)),
    );
    const made = JSON.parse(events[0]?.data ?? '{}') as { predictedAt: number; features: object };
    expect(made.predictedAt).toBe(logTime);
    // The features are the ones Predict computes as of that time.
    const asked = await stack.predict({ entityId, asOfMs: logTime });
    expect(JSON.parse(asked.featuresJson.toString())).toEqual(made.features);
  });

  it('refuses bad requests and starts nothing', async () => {
    const cases: [Partial<StartBatchScoringRequest>, status, string][] = [
      [{ intervalSeconds: 5 }, status.INVALID_ARGUMENT, 'interval_seconds: must be from 60'],
      [{ modelName: '' }, status.INVALID_ARGUMENT, 'model_name: is required'],
      [{ modelName: 'a b' }, status.INVALID_ARGUMENT, "model_name: 'a b' is not a model name"],
      [{ clock: 'sundial' }, status.INVALID_ARGUMENT, "clock: must be 'wall' or 'log'"],
    ];
    for (const [request, code, message] of cases) {
      const error = (await startBatchScoring(request).catch((e: unknown) => e)) as ServiceError;
      expect({ request, code: error.code }).toEqual({ request, code });
      expect(error.details).toContain(message);
    }
    // An unknown model: the batch fails at once, naming it, without retries.
    const workflowId = uniqueId('scoring-unknown');
    const failure: unknown = await stack.temporal.client.workflow
      .execute<typeof BatchScoringWorkflow>(WORKFLOW_TYPES.BatchScoringWorkflow, {
        taskQueue: stack.temporal.taskQueue,
        workflowId,
        args: [{ modelName: `${stack.modelName}-none` }],
      })
      .catch((e: unknown) => e);
    expect(failureMessage(failure)).toContain(
      `no registered model is named '${stack.modelName}-none'`,
    );
  });

  it('starts, reads and stops a live evaluation over gRPC, and refuses bad requests', async () => {
    const bad: [Partial<StartLiveEvaluationRequest>, string][] = [
      [{ view: 'no_such_view' }, "view: 'no_such_view' is not a feature view of this server"],
      [{ view: 'Bad View' }, 'view: "Bad View" is not a feature view name'],
      [{ policyJson: Buffer.from('{oops') }, 'policy_json: is not JSON'],
      [{ policyJson: Buffer.from('{"metric":"accuracy","threshold":0.7}') }, 'policy.metric'],
      [{ policyJson: Buffer.from('{"windowsInARow":0}') }, 'policy: invalid degradation policy'],
      [{ windowMs: 10 }, 'windowMs: must be an integer from 1000'],
      [{ retrainingJson: Buffer.from('{"view":"x"}') }, 'retraining.view'],
      [{ modelName: '' }, 'model_name: is required'],
    ];
    for (const [request, message] of bad) {
      const error = (await startLive(request).catch((e: unknown) => e)) as ServiceError;
      expect({ request, code: error.code }).toEqual({ request, code: status.INVALID_ARGUMENT });
      expect(error.details).toContain(message);
    }
    const unknown = (await getLive(`${stack.modelName}-never`).catch(
      (e: unknown) => e,
    )) as ServiceError;
    expect(unknown.code).toBe(status.NOT_FOUND);

    const { workflowId } = await startLive({ policyJson: Buffer.from('null') });
    expect(workflowId).toBe(`live-evaluation-${stack.modelName}`);
    const again = (await startLive({}).catch((e: unknown) => e)) as ServiceError;
    expect(again.code).toBe(status.ALREADY_EXISTS);
    const running = await getLive(stack.modelName);
    expect(running.workflowStatus).toBe('RUNNING');
    await new Promise<void>((resolve, reject) => {
      stack.models.stopLiveEvaluation({ modelName: stack.modelName }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
    await stack.temporal.client.workflow.getHandle(workflowId).result();
    const stopped = await getLive(stack.modelName);
    expect(stopped.workflowStatus).toBe('COMPLETED');
    expect(JSON.parse(stopped.statusJson.toString())).toMatchObject({
      stage: 'stopped',
      modelName: stack.modelName,
    });
  });
});
