// The Pipelines and Models gRPC services on the real stack: a pipeline started over gRPC waits
// for approval, approving promotes; rejecting keeps the champion; pipelines are listed by view
// and status; the model shows its versions with lineage and its alias history; bad requests get
// precise statuses and start nothing.
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoEvents } from '../../demo/workOrders.js';
import {
  ModelsClient,
  type GetModelResponse,
  type ListModelsResponse,
} from '../../gen/hindsight/v1/models.js';
import {
  Approval,
  PipelineStatus,
  PipelinesClient,
  type GetPipelineResponse,
  type ListPipelinesRequest,
  type ListPipelinesResponse,
  type StartPipelineRequest,
  type StartPipelineResponse,
} from '../../gen/hindsight/v1/pipelines.js';
import { promotionStatusQuery } from '../../workflows/messages.js';
import type { PromotionWorkflow } from '../../workflows/promotionWorkflow.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { platformServices } from '../support/platformServices.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { createTestTemporal, type TestTemporal } from '../support/temporal.js';
import { hindsight } from '../support/processes.js';
import { sleep } from '../support/wait.js';

let db: TestDatabase;
let temporal: TestTemporal;
let server: TestServer;
let pipelines: InstanceType<typeof PipelinesClient>;
let models: InstanceType<typeof ModelsClient>;
const modelName = `api-${Date.now().toString(36)}`;
const otherModel = `${modelName}-other`;

/** A unary call as a promise. */
const call = <Req, Res>(
  method: (request: Req, callback: (error: ServiceError | null, response: Res) => void) => unknown,
  request: Req,
): Promise<Res> =>
  new Promise((resolve, reject) => {
    method(request, (error, response) => (error ? reject(error) : resolve(response)));
  });

const statusOf = (promise: Promise<unknown>): Promise<ServiceError> =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: ServiceError) => error,
  );

const start = (request: Partial<StartPipelineRequest>) =>
  call<StartPipelineRequest, StartPipelineResponse>(pipelines.startPipeline.bind(pipelines), {
    view: 'work_order_overrun',
    modelName,
    trainers: [],
    rulesJson: Buffer.alloc(0),
    approval: Approval.APPROVAL_NONE,
    approvalTimeoutMs: 0,
    force: false,
    pipelineId: '',
    ...request,
  });

const get = (pipelineId: string) =>
  call<{ pipelineId: string }, GetPipelineResponse>(pipelines.getPipeline.bind(pipelines), {
    pipelineId,
  });

const review = (
  kind: 'approvePromotion' | 'rejectPromotion',
  pipelineId: string,
  reviewer = 'ada',
) => call(pipelines[kind].bind(pipelines), { pipelineId, reviewer, reason: `${kind} by test` });

const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
};

const awaitingApproval = (pipelineId: string) =>
  until('the promotion to await approval', async () => {
    const { pipeline } = await get(pipelineId);
    const progress = JSON.parse(pipeline?.progressJson.toString() || '{}') as { stage?: string };
    if (progress.stage !== 'promoting') return undefined;
    const child = await temporal.client.workflow
      .getHandle<typeof PromotionWorkflow>(`${pipelineId}/promotion`)
      .query(promotionStatusQuery)
      .catch(() => undefined);
    return child?.stage === 'awaiting_approval' ? true : undefined;
  });

const closed = (pipelineId: string) =>
  until('the pipeline to close', async () => {
    const { pipeline } = await get(pipelineId);
    return pipeline?.status === PipelineStatus.PIPELINE_STATUS_RUNNING ? undefined : pipeline;
  });

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  for (const { streamId, event } of generateDemoEvents({ seed: 5, workOrders: 300 })) {
    await db.store.append(streamId, [event]);
  }
  server = await startTestServer(db.store, { platform: platformServices(db, temporal) });
  pipelines = new PipelinesClient(server.address, credentials.createInsecure());
  models = new ModelsClient(server.address, credentials.createInsecure());
});

afterAll(async () => {
  pipelines.close();
  models.close();
  await server.stop();
  await temporal.close();
  await db.drop();
});

describe('Pipelines and Models over gRPC', () => {
  let approved = '';
  let rejected = '';

  it('waits for approval, and ApprovePromotion promotes', async () => {
    const { pipelineId } = await start({ approval: Approval.APPROVAL_REQUIRED });
    approved = pipelineId;
    expect(pipelineId).toMatch(/^pipeline-work_order_overrun-/);
    await awaitingApproval(pipelineId);
    await review('approvePromotion', pipelineId);
    const pipeline = await closed(pipelineId);
    expect(pipeline.status).toBe(PipelineStatus.PIPELINE_STATUS_COMPLETED);
    expect(pipeline.stage).toBe('done');
    const result = JSON.parse(pipeline.resultJson.toString()) as {
      promotion: { outcome: string; reviewer: string };
    };
    expect(result.promotion).toMatchObject({ outcome: 'promoted', reviewer: 'ada' });
    // Decided: no second review.
    const again = await statusOf(review('rejectPromotion', pipelineId));
    expect(again.code).toBe(status.FAILED_PRECONDITION);
    expect(again.details).toContain('no promotion awaiting approval');
  });

  it('RejectPromotion leaves the champion as it was', async () => {
    // A model of its own: its first version beats the base rate, so it waits for a reviewer.
    const { pipelineId } = await start({
      approval: Approval.APPROVAL_REQUIRED,
      modelName: otherModel,
    });
    rejected = pipelineId;
    await awaitingApproval(pipelineId);
    await review('rejectPromotion', pipelineId, 'bob');
    const pipeline = await closed(pipelineId);
    const result = JSON.parse(pipeline.resultJson.toString()) as { promotion: { outcome: string } };
    expect(result.promotion.outcome).toBe('rejected');
    const other = await call<{ name: string }, GetModelResponse>(models.getModel.bind(models), {
      name: otherModel,
    });
    expect(other.championVersion).toBe('');
    expect(other.aliasHistory).toMatchObject([
      { outcome: 'rejected', decidedBy: 'reviewer', reviewer: 'bob', toVersion: '1', pipelineId },
    ]);
  });

  it('shows the model: versions with lineage, the champion, and the alias history', async () => {
    const model = await call<{ name: string }, GetModelResponse>(models.getModel.bind(models), {
      name: modelName,
    });
    expect(model.versions.map((v) => v.version)).toEqual(['1']);
    expect(model.championVersion).toBe('1');
    expect(model.versions[0]).toMatchObject({
      trainer: 'logistic_regression',
      view: 'work_order_overrun',
      gitCommit: 'test',
      aliases: ['champion'],
    });
    expect(model.versions[0]?.datasetDigest).toMatch(/^[0-9a-f]{64}$/);
    const metrics = JSON.parse(model.versions[0]?.metricsJson.toString() ?? '{}') as Record<
      string,
      number
    >;
    expect(metrics.val_roc_auc).toBeGreaterThan(0.7);
    expect(model.aliasHistory).toMatchObject([
      {
        outcome: 'promoted',
        decidedBy: 'reviewer',
        fromVersion: '',
        toVersion: '1',
        reviewer: 'ada',
        pipelineId: approved,
      },
    ]);
    const list = await call<object, ListModelsResponse>(models.listModels.bind(models), {});
    expect(list.models.find((m) => m.name === modelName)).toMatchObject({
      championVersion: '1',
      latestVersion: '1',
    });
  });

  it('lists pipelines by view and status, newest first', async () => {
    const listed = await until('visibility to list both pipelines', async () => {
      const page = await call<ListPipelinesRequest, ListPipelinesResponse>(
        pipelines.listPipelines.bind(pipelines),
        {
          view: 'work_order_overrun',
          status: PipelineStatus.PIPELINE_STATUS_COMPLETED,
          pageSize: 1,
          pageToken: Buffer.alloc(0),
        },
      );
      return page.pipelines.length === 1 && page.nextPageToken.length > 0 ? page : undefined;
    });
    expect(listed.pipelines[0]?.pipelineId).toBe(rejected);
    expect(listed.pipelines[0]).toMatchObject({ view: 'work_order_overrun', stage: 'done' });
    const next = await call<ListPipelinesRequest, ListPipelinesResponse>(
      pipelines.listPipelines.bind(pipelines),
      {
        view: 'work_order_overrun',
        status: PipelineStatus.PIPELINE_STATUS_COMPLETED,
        pageSize: 1,
        pageToken: listed.nextPageToken,
      },
    );
    expect(next.pipelines[0]?.pipelineId).toBe(approved);
  });

  it('refuses bad requests with precise statuses, starting nothing', async () => {
    const params = (json: string) => [
      { name: 'logistic_regression', paramsJson: Buffer.from(json), seed: 0 },
    ];
    const cases: [() => Promise<unknown>, status, string][] = [
      [
        () => start({ view: 'no_such_view' }),
        status.INVALID_ARGUMENT,
        "unknown feature view 'no_such_view'",
      ],
      [
        () => start({ trainers: [{ name: 'deep_magic', paramsJson: Buffer.alloc(0), seed: 0 }] }),
        status.INVALID_ARGUMENT,
        'trainers[0]: unknown trainer',
      ],
      [
        () => start({ trainers: params('{') }),
        status.INVALID_ARGUMENT,
        'trainers[0].params_json: is not JSON',
      ],
      [
        () => start({ trainers: params('{"l2":-1}') }),
        status.INVALID_ARGUMENT,
        'trainers[0]: params.l2',
      ],
      [
        () => start({ rulesJson: Buffer.from('{"primaryMetric":"auc"}') }),
        status.INVALID_ARGUMENT,
        'rules: ',
      ],
      [
        () => start({ validationFraction: 1.5 }),
        status.INVALID_ARGUMENT,
        'validationFraction: must be between 0 and 1',
      ],
      [
        () => start({ validationFraction: 0.5, testFraction: 0.5 }),
        status.INVALID_ARGUMENT,
        'testFraction: with validationFraction 0.5 it leaves no rows to train on',
      ],
      [
        () => start({ testFraction: -0.1 }),
        status.INVALID_ARGUMENT,
        'testFraction: must be at least 0 and below 1',
      ],
      [() => start({ pipelineId: 'bad id!' }), status.INVALID_ARGUMENT, 'pipeline_id'],
      [() => start({ pipelineId: approved }), status.ALREADY_EXISTS, approved],
      [() => get('pipeline-nope'), status.NOT_FOUND, 'pipeline-nope'],
      [() => review('approvePromotion', 'pipeline-nope'), status.NOT_FOUND, 'pipeline-nope'],
      [() => review('approvePromotion', approved, ' '), status.INVALID_ARGUMENT, 'reviewer'],
      [
        () => call(models.getModel.bind(models), { name: 'no-such-model' }),
        status.NOT_FOUND,
        'no-such-model',
      ],
      [
        () =>
          call(pipelines.createSchedule.bind(pipelines), {
            scheduleId: '',
            pipeline: {
              view: 'work_order_overrun',
              modelName: '',
              trainers: [],
              rulesJson: Buffer.alloc(0),
              approval: 0,
              approvalTimeoutMs: 0,
              force: false,
              pipelineId: '',
            },
            when: { $case: 'cron', cron: 'not cron' },
            catchupWindow: '',
            paused: false,
            note: '',
          }),
        status.INVALID_ARGUMENT,
        'spec.cron',
      ],
    ];
    const before = await db.snapshot();
    for (const [request, code, text] of cases) {
      const error = await statusOf(request());
      expect({ code: error.code, details: error.details }).toMatchObject({ code });
      expect(error.details).toContain(text);
    }
    expect(await db.snapshot()).toBe(before);
  });

  it('refuses JSON nested deeper than 64 levels in params and rules, starting nothing', async () => {
    // Refused as soon as it is parsed, before any check or serializer (which recurse) walks it.
    const deep = Buffer.from(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    const before = await db.snapshot();
    const cases: [Partial<StartPipelineRequest>, string][] = [
      [
        { trainers: [{ name: 'logistic_regression', paramsJson: deep, seed: 0 }] },
        'trainers[0].params_json',
      ],
      [{ rulesJson: deep }, 'rules_json'],
    ];
    for (const [request, field] of cases) {
      const error = await statusOf(start(request));
      expect({ code: status[error.code], details: error.details }).toEqual({
        code: 'INVALID_ARGUMENT',
        details: `${field}: nests objects and arrays more than 64 levels deep (HINDSIGHT_MAX_JSON_DEPTH)`,
      });
    }
    expect(await db.snapshot()).toBe(before);
  });

  it('refuses an empty schedule id to Pause, Unpause, Trigger and DeleteSchedule', async () => {
    // Temporal's client failed on it with an error of its own, answered INTERNAL.
    const calls = [
      () => call(pipelines.pauseSchedule.bind(pipelines), { scheduleId: '', note: '' }),
      () => call(pipelines.unpauseSchedule.bind(pipelines), { scheduleId: '', note: '' }),
      () => call(pipelines.triggerSchedule.bind(pipelines), { scheduleId: '' }),
      () => call(pipelines.deleteSchedule.bind(pipelines), { scheduleId: '' }),
      () => call(pipelines.deleteSchedule.bind(pipelines), { scheduleId: '  ' }),
    ];
    for (const request of calls) {
      const error = await statusOf(request());
      expect({ code: status[error.code], details: error.details }).toEqual({
        code: 'INVALID_ARGUMENT',
        details: 'schedule_id: is required',
      });
    }
    const missing = await statusOf(
      call(pipelines.triggerSchedule.bind(pipelines), { scheduleId: 'no-such-schedule' }),
    );
    expect(status[missing.code]).toBe('NOT_FOUND');
  });

  it('is what the CLI shows: pipeline status and list, models show, precise exit codes', async () => {
    const env = { HINDSIGHT_SERVER: server.address };
    const status = await hindsight(['pipeline', 'status', approved, '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      pipelineId: approved,
      status: 'completed',
      result: { promotion: { outcome: 'promoted' } },
    });
    // In words: the split, the selection on validation, the decision's rows and its interval.
    const text = await hindsight(['pipeline', 'status', approved], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^dataset {4}[0-9a-f]{64} \(\d+ rows: \d+ train, \d+ validation, \d+ test/m,
    );
    expect(text.stdout).toMatch(
      /^selected {3}version 1 on \d+ validation rows; decided on \d+ test rows$/m,
    );
    expect(text.stdout).toMatch(
      /^gain {7}rocAuc \+0\.\d{4} \(95% interval \+0\.\d{4} to \+0\.\d{4}\)$/m,
    );
    const shown = await hindsight(['models', 'show', modelName], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('champion   1');
    expect(shown.stdout).toMatch(/v- → v1 promoted by reviewer \(ada\)/);
    const unknown = await hindsight(['models', 'show', 'no-such-model'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND');
    const bad = await hindsight(['pipeline', 'run', 'work_order_overrun', '--trainer', 'x:{'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not JSON');
  });
});
