// Errors name what the caller asked for and carry google.rpc.Status details: a real gRPC server
// and console over a real PostgreSQL, the run's Temporal (no worker but the rollback's) and its
// MLflow. GetModel of an unknown model used to answer with MLflow's URL and error code; every
// error now has, in grpc-status-details-bin, an ErrorInfo with a stable reason and, when a field
// is at fault, a BadRequest naming it; the token check, pipelines and operations say precisely
// what is wrong; a failed rollback names the model and versions, not MLflow's answer; the
// console's JSON errors carry the same reasons.
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInAggregates } from '../../runtime/builtIns.js';
import { operationsCalls } from '../support/grpcCalls.js';
import { builtInViewRegistry } from '../../runtime/worker.js';
import { beginMigration } from '../../eventstore/upcasting/migrations.js';
import { defineUpcasters } from '../../eventstore/upcasting/upcasters.js';
import { BadRequest, ErrorInfo } from '../../gen/google/rpc/error_details.js';
import { Status } from '../../gen/google/rpc/status.js';
import {
  ModelsClient,
  type GetModelResponse,
  type RollbackModelRequest,
  type RollbackModelResponse,
} from '../../gen/hindsight/v1/models.js';
import {
  AppendRequest,
  EventStoreClient,
  GetStreamRequest,
  NewEvent,
  ReadAllRequest,
} from '../../gen/hindsight/v1/eventstore.js';
import { OperationsClient } from '../../gen/hindsight/v1/operations.js';
import {
  Approval,
  PipelinesClient,
  type StartPipelineRequest,
} from '../../gen/hindsight/v1/pipelines.js';
import type { ApiError } from '../../services/console/api.js';
import { startTestConsole, type TestConsole } from '../support/consoleStack.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { platformServices } from '../support/platformServices.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';
import { rejectionOf } from '../support/wait.js';

const UNKNOWN_MODEL = `no-such-model-${Date.now().toString(36)}`;
const INTERNAL_TEXT = ['/api/2.0', 'RESOURCE_DOES_NOT_EXIST', 'mlflow/'];

interface Details {
  status: Status;
  errorInfo: ErrorInfo | undefined;
  badRequest: BadRequest | undefined;
}

/** The google.rpc.Status of the trailer, with its details unpacked by type URL. */
const detailsOf = (error: ServiceError): Details => {
  const [bytes] = error.metadata.get('grpc-status-details-bin');
  expect(bytes, `grpc-status-details-bin of "${error.details}"`).toBeInstanceOf(Buffer);
  const decoded = Status.decode(bytes as Buffer);
  const unpack = <T>(typeName: string, decode: (bytes: Uint8Array) => T): T | undefined => {
    const any = decoded.details.find((d) => d.typeUrl === `type.googleapis.com/${typeName}`);
    return any ? decode(any.value) : undefined;
  };
  return {
    status: decoded,
    errorInfo: unpack('google.rpc.ErrorInfo', (b) => ErrorInfo.decode(b)),
    badRequest: unpack('google.rpc.BadRequest', (b) => BadRequest.decode(b)),
  };
};

/** Status and ErrorInfo agree with the call's own code and message. */
const expectDetails = (error: ServiceError, code: status, reason: string): Details => {
  expect(status[error.code], error.details).toBe(status[code]);
  const details = detailsOf(error);
  expect(details.status.code).toBe(code);
  expect(details.status.message).toBe(error.details);
  expect(details.errorInfo).toMatchObject({ reason, domain: 'hindsight.dev' });
  return details;
};

const event = (type = 'OrderPlaced'): NewEvent =>
  NewEvent.fromPartial({ type, data: Buffer.from('{"amount":1}') });

const CONSOLE_TOKEN = 'details-console-token-0123456789';

let db: TestDatabase;
let temporal: TestTemporal;
let server: TestServer;
let models: ModelsClient;
let pipelines: PipelinesClient;
let operations: OperationsClient;
let consoleApp: TestConsole;
let securedConsole: TestConsole;
/** Workflows started without a worker to run them: terminated at the end. */
const started: string[] = [];

beforeAll(async () => {
  // One upcaster, so that a migration has a target: OrderPlaced v1 → v2.
  db = await createTestDatabase({
    upcasters: defineUpcasters({ OrderPlaced: { 1: (data) => ({ ...data, currency: 'EUR' }) } }),
  });
  temporal = await createTestTemporal(db);
  server = await startTestServer(db.store, {
    platform: {
      ...platformServices(db, temporal),
      operations: {
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        sql: db.pool,
        store: db.store,
        aggregates: builtInAggregates(),
      },
    },
  });
  models = new ModelsClient(server.address, credentials.createInsecure());
  pipelines = new PipelinesClient(server.address, credentials.createInsecure());
  operations = new OperationsClient(server.address, credentials.createInsecure());
  consoleApp = await startTestConsole(db, temporal);
  securedConsole = await startTestConsole(db, temporal, { apiToken: CONSOLE_TOKEN });
  await server.calls.append(AppendRequest.fromPartial({ streamId: 'order-1', events: [event()] }));
});

afterAll(async () => {
  for (const id of started) {
    await temporal?.client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
  }
  models?.close();
  pipelines?.close();
  operations?.close();
  await consoleApp?.close();
  await securedConsole?.close();
  await server?.stop();
  await temporal?.close();
  await db?.drop();
});

/** A unary call as a promise. */
const call = <Req, Res>(
  method: (request: Req, callback: (error: ServiceError | null, response: Res) => void) => unknown,
  request: Req,
): Promise<Res> =>
  new Promise((resolve, reject) => {
    method(request, (error, response) => (error ? reject(error) : resolve(response)));
  });

const getModel = (name: string) =>
  call<{ name: string }, GetModelResponse>(models.getModel.bind(models), { name });

describe('errors name what was asked for, not the internals', () => {
  it('GetModel of an unknown model: NOT_FOUND naming the model, MODEL_NOT_FOUND', async () => {
    const error = await rejectionOf(getModel(UNKNOWN_MODEL));
    expect(error.details).toBe(`model '${UNKNOWN_MODEL}' not found`);
    for (const text of INTERNAL_TEXT) expect(error.details).not.toContain(text);
    const { errorInfo } = expectDetails(error, status.NOT_FOUND, 'MODEL_NOT_FOUND');
    expect(errorInfo?.metadata).toEqual({ model: UNKNOWN_MODEL });
  });

  it("the console's model page: 404 naming the model", async () => {
    const { status: httpStatus, body } = await consoleApp.call(`/api/models/${UNKNOWN_MODEL}`);
    expect(httpStatus).toBe(404);
    expect(body).toEqual({
      error: {
        code: 'NOT_FOUND',
        reason: 'MODEL_NOT_FOUND',
        message: `model '${UNKNOWN_MODEL}' not found`,
      },
    });
    for (const text of INTERNAL_TEXT) expect(JSON.stringify(body)).not.toContain(text);
    expect(consoleApp.internalErrors).toEqual([]);
  });
});

describe('google.rpc.Status details on every error', () => {
  it('an unknown stream: STREAM_NOT_FOUND with the stream id', async () => {
    const error = await rejectionOf(server.calls.getStream({ streamId: 'order-missing' }));
    const { errorInfo, badRequest } = expectDetails(error, status.NOT_FOUND, 'STREAM_NOT_FOUND');
    expect(errorInfo?.metadata).toEqual({ stream_id: 'order-missing' });
    expect(badRequest).toBeUndefined();
  });

  it('a version conflict: STREAM_VERSION_CONFLICT, the trailers kept', async () => {
    const error = await rejectionOf(
      server.calls.append(
        AppendRequest.fromPartial({
          streamId: 'order-1',
          events: [event()],
          expected: { $case: 'expectedVersion', expectedVersion: 5 },
        }),
      ),
    );
    const { errorInfo } = expectDetails(
      error,
      status.FAILED_PRECONDITION,
      'STREAM_VERSION_CONFLICT',
    );
    expect(errorInfo?.metadata).toMatchObject({
      stream_id: 'order-1',
      actual_version: '1',
      stream_exists: 'true',
    });
    expect(error.metadata.get('actual-version')).toEqual(['1']);
  });

  it('a validation error: INVALID_ARGUMENT and a BadRequest naming the snake_case field', async () => {
    const error = await rejectionOf(
      server.calls.append(AppendRequest.fromPartial({ streamId: 'has space', events: [event()] })),
    );
    const { badRequest, errorInfo } = expectDetails(
      error,
      status.INVALID_ARGUMENT,
      'INVALID_ARGUMENT',
    );
    expect(errorInfo?.metadata).toEqual({ field: 'stream_id' });
    expect(badRequest?.fieldViolations).toEqual([
      { field: 'stream_id', description: error.details.slice('stream_id: '.length) },
    ]);
    expect(error.details.startsWith('stream_id: ')).toBe(true);
  });

  it('a validation error of a server stream (ReadAll): the field with its index', async () => {
    const call = server.client.readAll(ReadAllRequest.fromPartial({ categories: ['no space'] }));
    const error = await new Promise<ServiceError>((resolve, reject) => {
      call.on('data', () => reject(new Error('expected no data')));
      call.on('error', resolve);
      call.on('end', () => reject(new Error('expected an error')));
    });
    const { badRequest } = expectDetails(error, status.INVALID_ARGUMENT, 'INVALID_ARGUMENT');
    expect(badRequest?.fieldViolations.map((v) => v.field)).toEqual(['categories[0]']);
  });

  it('a refusal built in a service (UNIMPLEMENTED) gets its code as the reason', async () => {
    // This server's Models service runs no workflows (platformServices gives it none).
    const error = await rejectionOf(
      new Promise((resolve, reject) => {
        models.getLiveEvaluation({ modelName: 'm' }, (e, r) => (e ? reject(e) : resolve(r)));
      }),
    );
    expectDetails(error, status.UNIMPLEMENTED, 'UNIMPLEMENTED');
  });
});

describe('the token check', () => {
  let secured: TestServer;
  const TOKEN = 'details-grpc-token-0123456789';

  beforeAll(async () => {
    secured = await startTestServer(db.store, { apiToken: TOKEN });
  });
  afterAll(async () => {
    await secured?.stop();
  });

  /** GetStream with this authorization metadata (none when undefined). */
  const getStream = (authorization: string | undefined) => {
    const client = new EventStoreClient(secured.address, credentials.createInsecure());
    const metadata = new Metadata();
    if (authorization !== undefined) metadata.set('authorization', authorization);
    return new Promise((resolve, reject) => {
      client.getStream(GetStreamRequest.fromPartial({ streamId: 'order-1' }), metadata, (e, r) =>
        e ? reject(e) : resolve(r),
      );
    }).finally(() => client.close());
  };

  it.each([
    ['no token', 'TOKEN_MISSING', undefined, 'missing authorization metadata'],
    ['not a bearer token', 'TOKEN_MALFORMED', `Basic ${TOKEN}`, 'malformed authorization'],
    ['a wrong token', 'TOKEN_INVALID', 'Bearer not-the-token-0123456789', 'invalid API token'],
  ])('%s: UNAUTHENTICATED with ErrorInfo %s', async (_, reason, authorization, message) => {
    const error = await rejectionOf(getStream(authorization));
    expect(error.details).toContain(message);
    const { errorInfo, badRequest } = expectDetails(error, status.UNAUTHENTICATED, reason);
    expect(errorInfo?.metadata).toEqual({});
    expect(badRequest).toBeUndefined();
  });

  it('the console answers 401 with the same reasons', async () => {
    const cases: [string | null, string][] = [
      [null, 'TOKEN_MISSING'],
      ['wrong-token-0123456789', 'TOKEN_INVALID'],
    ];
    for (const [token, reason] of cases) {
      const { status: httpStatus, body } = await securedConsole.call('/api/overview', { token });
      expect(httpStatus).toBe(401);
      expect((body as ApiError).error).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    }
  });
});

describe('Pipelines: precise reasons', () => {
  const pipelineId = uniqueId('pipeline-details');
  const start = (request: Partial<StartPipelineRequest>) =>
    call(pipelines.startPipeline.bind(pipelines), {
      view: 'work_order_overrun',
      modelName: '',
      trainers: [],
      rulesJson: Buffer.alloc(0),
      approval: Approval.APPROVAL_REQUIRED,
      approvalTimeoutMs: 0,
      force: false,
      pipelineId,
      ...request,
    });

  it('an unknown pipeline: PIPELINE_NOT_FOUND naming it, not Temporal\'s "workflow not found"', async () => {
    const error = await rejectionOf(
      call(pipelines.getPipeline.bind(pipelines), { pipelineId: 'pipeline-nope' }),
    );
    expect(error.details).toBe("pipeline 'pipeline-nope' not found");
    const { errorInfo } = expectDetails(error, status.NOT_FOUND, 'PIPELINE_NOT_FOUND');
    expect(errorInfo?.metadata).toEqual({ pipeline_id: 'pipeline-nope' });
  });

  it('a pipeline id used before: PIPELINE_ALREADY_EXISTS', async () => {
    await start({});
    started.push(pipelineId);
    const error = await rejectionOf(start({}));
    expect(error.details).toContain(`pipeline id '${pipelineId}' is taken`);
    const { errorInfo } = expectDetails(error, status.ALREADY_EXISTS, 'PIPELINE_ALREADY_EXISTS');
    expect(errorInfo?.metadata).toEqual({ pipeline_id: pipelineId });
  });

  // Slow (about 30 s): with no worker, the service's progress query waits out Temporal's timeout.
  it('a review with no promotion waiting: PROMOTION_NOT_PENDING', async () => {
    const review = { pipelineId, reviewer: 'ada', reason: 'looks right' };
    const error = await rejectionOf(call(pipelines.approvePromotion.bind(pipelines), review));
    expect(error.details).toContain(`pipeline '${pipelineId}' has no promotion awaiting approval`);
    expectDetails(error, status.FAILED_PRECONDITION, 'PROMOTION_NOT_PENDING');
  });

  it('an unknown schedule: SCHEDULE_NOT_FOUND', async () => {
    const error = await rejectionOf(
      call(pipelines.triggerSchedule.bind(pipelines), { scheduleId: 'no-such-schedule' }),
    );
    const { errorInfo } = expectDetails(error, status.NOT_FOUND, 'SCHEDULE_NOT_FOUND');
    expect(errorInfo?.metadata).toEqual({ schedule_id: 'no-such-schedule' });
  });
});

describe('Operations: precise reasons', () => {
  const ops = () => operationsCalls(operations);
  const running = uniqueId('migration-running');
  const dryRun = uniqueId('migration-dry');
  const startMigration = (migrationId: string, dry: boolean) =>
    ops().startMigration({
      eventType: 'OrderPlaced',
      toVersion: 2,
      dryRun: dry,
      batchSize: 0,
      sampleSize: undefined,
      migrationId,
    });

  beforeAll(async () => {
    // A migration recorded as running whose workflow is gone (as after a crash).
    await beginMigration(db.pool, {
      migrationId: running,
      plan: {
        eventType: 'OrderPlaced',
        toVersion: 2,
        cutTransactionId: 1,
        total: 0,
        byVersion: {},
        upToDate: 0,
      },
    });
  });

  it('an unknown snapshot run and migration: SNAPSHOT_RUN_NOT_FOUND, MIGRATION_NOT_FOUND', async () => {
    const run = await rejectionOf(ops().getSnapshotRun({ workflowId: 'snapshot-nope' }));
    expect(run.details).toBe("snapshot run 'snapshot-nope' not found");
    const { errorInfo } = expectDetails(run, status.NOT_FOUND, 'SNAPSHOT_RUN_NOT_FOUND');
    expect(errorInfo?.metadata).toEqual({ workflow_id: 'snapshot-nope' });
    const migration = await rejectionOf(ops().getMigration({ migrationId: 'migration-nope' }));
    expectDetails(migration, status.NOT_FOUND, 'MIGRATION_NOT_FOUND');
  });

  it('another migration of the type running: MIGRATION_IN_PROGRESS naming it', async () => {
    const error = await rejectionOf(startMigration('', false));
    expect(error.details).toContain(`has a migration running already: '${running}'`);
    const { errorInfo } = expectDetails(error, status.FAILED_PRECONDITION, 'MIGRATION_IN_PROGRESS');
    expect(errorInfo?.metadata).toEqual({ event_type: 'OrderPlaced', migration_id: running });
  });

  it('resume of a migration not blocked: MIGRATION_NOT_BLOCKED; undo of a running one: MIGRATION_STATE', async () => {
    const resume = await rejectionOf(ops().resumeMigration({ migrationId: running }));
    expect(resume.details).toContain('only a blocked migration can be resumed');
    expectDetails(resume, status.FAILED_PRECONDITION, 'MIGRATION_NOT_BLOCKED');
    const undo = await rejectionOf(ops().undoMigration({ migrationId: running, batchSize: 0 }));
    expect(undo.details).toContain(`migration '${running}' is running`);
    expectDetails(undo, status.FAILED_PRECONDITION, 'MIGRATION_STATE');
  });

  it('a dry run id used before (it has no record, only its workflow): MIGRATION_ALREADY_EXISTS', async () => {
    await startMigration(dryRun, true);
    started.push(dryRun);
    const error = await rejectionOf(startMigration(dryRun, true));
    expect(error.details).toBe(`migration '${dryRun}' already exists`);
    const { errorInfo } = expectDetails(error, status.ALREADY_EXISTS, 'MIGRATION_ALREADY_EXISTS');
    expect(errorInfo?.metadata).toEqual({ migration_id: dryRun });
  });
});

describe('a rollback whose workflow fails', () => {
  it("names the model and versions, not MLflow's answer, which goes to the log", async () => {
    const { mlflow } = temporal;
    const name = uniqueId('details-rollback');
    const experiment = await mlflow.getOrCreateExperiment({ name: 'rollback-tests' });
    await mlflow.createRegisteredModel({ name });
    for (let i = 0; i < 2; i += 1) {
      const run = await mlflow.createRun({ experimentId: experiment.experimentId });
      await mlflow.createModelVersion({
        name,
        source: `${run.info.artifactUri}/model`,
        runId: run.info.runId,
      });
    }
    await mlflow.setModelAlias({ name, alias: 'champion', version: '2' });
    // A worker whose move of the alias gets MLflow's own refusal (a version that is not there).
    const queue = uniqueId('failing-rollback');
    await temporal.startWorker(
      {
        mlflow: {
          ...mlflow,
          setModelAlias: (input) => mlflow.setModelAlias({ ...input, version: '999' }),
        },
      },
      queue,
    );
    const logged: unknown[] = [];
    const rollbackServer = await startTestServer(db.store, {
      platform: platformServices(db, temporal, {
        workflows: { client: temporal.client, taskQueue: queue, views: builtInViewRegistry() },
      }),
      onInternalError: (error) => logged.push(error),
    });
    const client = new ModelsClient(rollbackServer.address, credentials.createInsecure());
    try {
      const error = await rejectionOf(
        call<RollbackModelRequest, RollbackModelResponse>(client.rollbackModel.bind(client), {
          modelName: name,
          toVersion: '1',
          actor: 'ada',
          reason: 'test',
        }),
      );
      expect(error.details).toMatch(
        new RegExp(
          `^the rollback of '${name}' from version 2 to version 1 failed \\(workflow 'rollback-${name}-[0-9a-f-]+'; the champion is version 2\\); the server's log has the cause$`,
        ),
      );
      for (const text of [...INTERNAL_TEXT, 'MLflow']) expect(error.details).not.toContain(text);
      const { errorInfo } = expectDetails(error, status.INTERNAL, 'ROLLBACK_FAILED');
      expect(errorInfo?.metadata).toMatchObject({
        model: name,
        from_version: '2',
        to_version: '1',
      });
      expect(logged.map(String).join('\n')).toContain('/mlflow/registered-models/alias');
    } finally {
      client.close();
      await rollbackServer.stop();
    }
  });
});

describe("the console's JSON errors carry the gRPC reason", () => {
  it.each([
    ['/api/datasets?limit=5', 400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'],
    ['/api/workflows?pageSize=0', 400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'],
    ['/api/models/bad%20name', 400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'],
    ['/api/events/streams/order-missing', 404, 'NOT_FOUND', 'STREAM_NOT_FOUND'],
    [`/api/datasets/${'0'.repeat(64)}`, 404, 'NOT_FOUND', 'DATASET_NOT_FOUND'],
    ['/api/workflows/no-such-workflow', 404, 'NOT_FOUND', 'WORKFLOW_NOT_FOUND'],
    ['/api/nope', 404, 'NOT_FOUND', 'ROUTE_NOT_FOUND'],
  ])('%s: %i %s (%s)', async (path, httpStatus, code, reason) => {
    const response = await consoleApp.call(path);
    expect(response.status).toBe(httpStatus);
    expect((response.body as ApiError).error).toMatchObject({ code, reason });
    expect(consoleApp.internalErrors).toEqual([]);
  });

  it('POST refusals too: a body that is not JSON, a review with no promotion waiting', async () => {
    const notJson = await consoleApp.call('/api/schedules/x/pause', { rawBody: 'not json' });
    expect(notJson.status).toBe(400);
    expect((notJson.body as ApiError).error.reason).toBe('BODY_NOT_JSON');
    const pipelineId = started.find((id) => id.startsWith('pipeline-details'));
    expect(pipelineId).toBeDefined();
    const review = await consoleApp.call(`/api/workflows/${pipelineId}/approve`, {
      body: { reviewer: 'ada', reason: 'looks right' },
    });
    // No worker polls this file's task queue: the decision could not be taken now.
    expect(review.status).toBe(503);
    expect((review.body as ApiError).error).toMatchObject({
      code: 'UNAVAILABLE',
      reason: 'NO_WORKER',
    });
  });
});
