// Rolling the champion back on the real stack (PostgreSQL, Temporal, MLflow, a gRPC server, the
// CLI): RollbackModel moves the alias through RollbackWorkflow, records ModelPromoted decided by
// `rollback` with the actor and reason, and the alias history shows it; by default it steps
// back through the promotions, `to_version` picks a version; every refusal has its status and
// writes nothing; a rollback that races a promotion moves and records nothing.
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentChampion } from '../../platform/modelRegistry.js';
import { modelStreamOf } from '../../platform/modelEvents.js';
import { MODEL_TAGS } from '../../platform/modelRegistry.js';
import { builtInViewRegistry } from '../../runtime/worker.js';
import {
  ModelsClient,
  type GetModelRequest,
  type GetModelResponse,
  type RollbackModelRequest,
  type RollbackModelResponse,
} from '../../gen/hindsight/v1/models.js';
import type { GainInterval } from '../../ml/metrics/pairedBootstrap.js';
import { readAliasHistory } from '../../services/aliasHistory.js';
import type { PromotionWorkflow } from '../../workflows/promotionWorkflow.js';
import type { RollbackWorkflow } from '../../workflows/rollbackWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { platformServices } from '../support/platformServices.js';
import { hindsight } from '../support/processes.js';
import {
  applicationFailureOf,
  createTestTemporal,
  uniqueId,
  type TestTemporal,
} from '../support/temporal.js';

let db: TestDatabase;
let temporal: TestTemporal;
let server: TestServer;
let models: InstanceType<typeof ModelsClient>;

const digestOf = (version: number): string => `${version}`.padStart(2, '0').repeat(32);
const BASELINE = { rocAuc: 0.5, logLoss: 0.69, brier: 0.25 };
const metricsOf = (version: number) => ({
  rocAuc: 0.7 + version * 0.02,
  logLoss: 0.6 - version * 0.01,
  brier: 0.2 - version * 0.005,
});
const intervalOf = (gain: number): GainInterval => ({
  metric: 'rocAuc',
  confidence: 0.95,
  resamples: 1000,
  rows: 500,
  gain,
  lower: gain / 2,
  upper: gain * 1.5,
  standardError: gain / 4,
});

const call = <Req, Res>(
  method: (request: Req, callback: (error: ServiceError | null, response: Res) => void) => unknown,
  request: Req,
): Promise<Res> =>
  new Promise((resolve, reject) => {
    method(request, (error, response) => (error ? reject(error) : resolve(response)));
  });

const rollback = (request: Partial<RollbackModelRequest> & { modelName: string }) =>
  call<RollbackModelRequest, RollbackModelResponse>(models.rollbackModel.bind(models), {
    toVersion: '',
    actor: 'ada',
    reason: '',
    ...request,
  });

const getModel = (name: string) =>
  call<GetModelRequest, GetModelResponse>(models.getModel.bind(models), { name });

const refusal = async (promise: Promise<unknown>): Promise<ServiceError> =>
  promise.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (error: ServiceError) => error,
  );

/** A registered model with `count` versions, each tagged with a dataset digest of its own. */
const registerModel = async (count: number): Promise<string> => {
  const name = `rollback-${randomBytes(4).toString('hex')}`;
  const { mlflow } = temporal;
  const experiment = await mlflow.getOrCreateExperiment({ name: 'rollback-tests' });
  await mlflow.createRegisteredModel({ name });
  for (let i = 1; i <= count; i += 1) {
    const run = await mlflow.createRun({ experimentId: experiment.experimentId });
    await mlflow.createModelVersion({
      name,
      source: `${run.info.artifactUri}/model`,
      runId: run.info.runId,
      tags: { [MODEL_TAGS.datasetDigest]: digestOf(i) },
    });
  }
  return name;
};

/** Promotes `version` over `champion` by the rules, with a significant gain. */
const promote = async (modelName: string, version: number, champion: number | null) => {
  const result = await (
    await temporal.client.workflow.start<typeof PromotionWorkflow>(
      WORKFLOW_TYPES.PromotionWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('promotion'),
        args: [
          {
            modelName,
            challenger: { version: String(version), metrics: metricsOf(version) },
            champion:
              champion === null
                ? null
                : { version: String(champion), metrics: metricsOf(champion) },
            baseline: BASELINE,
            validationRows: 500,
            datasetDigest: digestOf(version),
            interval: intervalOf(champion === null ? 0.2 : 0.02),
          },
        ],
      },
    )
  ).result();
  expect(result.outcome).toBe('promoted');
};

const events = async (modelName: string) =>
  (await db.store.readStream(modelStreamOf(modelName))).events.map((event) => ({
    type: event.type,
    data: JSON.parse(event.data) as Record<string, unknown>,
    metadata: JSON.parse(event.metadata) as Record<string, unknown>,
  }));

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  server = await startTestServer(db.store, {
    platform: platformServices(db, temporal, {
      workflows: {
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        views: builtInViewRegistry(),
      },
    }),
  });
  models = new ModelsClient(server.address, credentials.createInsecure());
});

afterAll(async () => {
  models?.close();
  await server?.stop();
  await temporal?.close();
  await db?.drop();
});

describe('RollbackModel', () => {
  let modelName = '';

  beforeAll(async () => {
    modelName = await registerModel(4);
    await promote(modelName, 1, null);
    await promote(modelName, 2, 1);
    await promote(modelName, 3, 2);
  });

  it('rolls back to the champion the current one replaced, and records who and why', async () => {
    const done = await rollback({ modelName, actor: ' ada ', reason: 'v3 over-predicts' });
    expect(done).toMatchObject({
      fromVersion: '3',
      toVersion: '2',
      actor: 'ada',
      reason: 'v3 over-predicts',
      streamId: modelStreamOf(modelName),
      streamVersion: 4,
    });
    expect(done.workflowId).toMatch(new RegExp(`^rollback-${modelName}-`));
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('2');
    const last = (await events(modelName)).at(-1);
    expect(last).toMatchObject({
      type: 'ModelPromoted',
      data: {
        workflowId: done.workflowId,
        modelName,
        outcome: 'promoted',
        decidedBy: 'rollback',
        challengerVersion: '2',
        championVersion: '3',
        reviewer: 'ada',
        reason: 'v3 over-predicts',
        reasons: [],
        datasetDigest: digestOf(2),
        interval: null,
      },
      metadata: { actor: 'ada', correlation_id: done.workflowId },
    });
    expect(last?.metadata).toHaveProperty('actor', 'ada');
  });

  it('goes back a step further on a second rollback, with a reason of its own when none is given', async () => {
    const done = await rollback({ modelName, actor: 'bob' });
    expect(done).toMatchObject({
      fromVersion: '2',
      toVersion: '1',
      reason: 'rolled back from v2 to v1',
    });
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('1');
  });

  it('refuses a default rollback past the first champion, writing nothing', async () => {
    const before = await db.snapshot();
    const error = await refusal(rollback({ modelName }));
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toBe(
      `there is no earlier champion of '${modelName}': version 1 is its first (promoted by rules); give to_version to choose a version`,
    );
    expect(await db.snapshot()).toBe(before);
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('1');
  });

  it('rolls to a chosen version with to_version, then back from it by its promotion', async () => {
    expect(await rollback({ modelName, toVersion: '3', reason: 'the fix shipped' })).toMatchObject({
      fromVersion: '1',
      toVersion: '3',
    });
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('3');
    // v3 was promoted over v2: that is where a default rollback from it goes.
    expect(await rollback({ modelName })).toMatchObject({ fromVersion: '3', toVersion: '2' });
  });

  it('shows rollbacks in the alias history of the log and of GetModel', async () => {
    const { changes } = await readAliasHistory(db.store, modelName);
    expect(
      changes.map(
        (c) => `${c.decidedBy} ${c.fromVersion ?? '-'}→${c.toVersion} ${c.reviewer ?? ''}`,
      ),
    ).toEqual([
      'rules -→1 ',
      'rules 1→2 ',
      'rules 2→3 ',
      'rollback 3→2 ada',
      'rollback 2→1 bob',
      'rollback 1→3 ada',
      'rollback 3→2 ada',
    ]);
    expect(changes[1]?.interval).toEqual(intervalOf(0.02));
    const model = await getModel(modelName);
    expect(model.championVersion).toBe('2');
    expect(model.aliasHistory.at(-1)).toMatchObject({
      outcome: 'promoted',
      decidedBy: 'rollback',
      fromVersion: '3',
      toVersion: '2',
      reviewer: 'ada',
      interval: undefined,
    });
    expect(model.aliasHistory[1]?.interval).toEqual(intervalOf(0.02));
    expect(model.aliasHistory.at(-1)?.pipelineId).toMatch(/^rollback-/);
  });

  it('refuses with a precise status and writes nothing', async () => {
    const bare = await registerModel(1);
    const cases: [Partial<RollbackModelRequest> & { modelName: string }, status, string][] = [
      [
        { modelName, toVersion: '2' },
        status.FAILED_PRECONDITION,
        `version 2 of '${modelName}' is the champion already`,
      ],
      [
        { modelName, toVersion: '99' },
        status.NOT_FOUND,
        `version 99 of model '${modelName}' does not exist`,
      ],
      [
        { modelName, toVersion: 'v2' },
        status.INVALID_ARGUMENT,
        "to_version: 'v2' is not a model version number",
      ],
      [
        { modelName, actor: '  ' },
        status.INVALID_ARGUMENT,
        'actor: give who rolls back (1 to 200 characters)',
      ],
      [
        { modelName, reason: 'x'.repeat(2001) },
        status.INVALID_ARGUMENT,
        'reason: is 2001 characters: at most 2000',
      ],
      [
        { modelName: 'no such model!' },
        status.INVALID_ARGUMENT,
        "model_name: 'no such model!' is not a model name",
      ],
      [
        { modelName: `${modelName}-gone` },
        status.NOT_FOUND,
        `model '${modelName}-gone' is not registered`,
      ],
      [
        { modelName: bare },
        status.FAILED_PRECONDITION,
        `model '${bare}' has no champion: there is nothing to roll back`,
      ],
    ];
    const before = await db.snapshot();
    for (const [request, code, details] of cases) {
      const error = await refusal(rollback(request));
      expect({ request: request.toVersion, code: error.code, details: error.details }).toEqual({
        request: request.toVersion,
        code,
        details,
      });
    }
    expect(await db.snapshot()).toBe(before);
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('2');
    expect(await currentChampion(temporal.mlflow, bare)).toBeNull();
  });

  it('refuses a default rollback from a champion no promotion made', async () => {
    const manual = await registerModel(2);
    await temporal.mlflow.setModelAlias({ name: manual, alias: 'champion', version: '2' });
    const error = await refusal(rollback({ modelName: manual }));
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.details).toContain('no promotion made version 2 champion');
    // Naming the version works, and is recorded like any rollback.
    expect(await rollback({ modelName: manual, toVersion: '1' })).toMatchObject({
      fromVersion: '2',
      toVersion: '1',
    });
    expect((await events(manual)).map((e) => e.data.decidedBy)).toEqual(['rollback']);
  });
});

describe('RollbackModel without a worker', () => {
  it('answers DEADLINE_EXCEEDED after its wait, and the rollback goes on once a worker comes', async () => {
    const modelName = await registerModel(2);
    await promote(modelName, 1, null);
    await promote(modelName, 2, 1);
    const idleQueue = uniqueId('no-worker');
    const idle = await startTestServer(db.store, {
      platform: platformServices(db, temporal, {
        workflows: {
          client: temporal.client,
          taskQueue: idleQueue,
          views: builtInViewRegistry(),
          rollbackWaitMs: 1000,
        },
      }),
    });
    const client = new ModelsClient(idle.address, credentials.createInsecure());
    try {
      const error = await refusal(
        call<RollbackModelRequest, RollbackModelResponse>(client.rollbackModel.bind(client), {
          modelName,
          toVersion: '',
          actor: 'ada',
          reason: 'no worker yet',
        }),
      );
      expect(error.code).toBe(status.DEADLINE_EXCEEDED);
      expect(error.details).toMatch(
        new RegExp(
          `^rollback workflow 'rollback-${modelName}-[0-9a-f-]+' is still running after 1 s \\(is a worker polling task queue '${idleQueue}'\\?\\); it goes on when one picks it up$`,
        ),
      );
      expect(await currentChampion(temporal.mlflow, modelName)).toBe('2');
      await temporal.startWorker({}, idleQueue);
      const deadline = Date.now() + 30_000;
      while ((await currentChampion(temporal.mlflow, modelName)) !== '1') {
        if (Date.now() > deadline) throw new Error('the waiting rollback never ran');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await expect.poll(async () => (await events(modelName)).length).toBe(3);
    } finally {
      client.close();
      await idle.stop();
    }
  });
});

describe('RollbackWorkflow', () => {
  it('moves and records nothing when the champion is no longer the one it was asked against', async () => {
    const modelName = await registerModel(3);
    await promote(modelName, 1, null);
    await promote(modelName, 2, 1);
    const before = await db.snapshot();
    // As if a promotion to v2 landed between the service's checks and the workflow's move.
    const handle = await temporal.client.workflow.start<typeof RollbackWorkflow>(
      WORKFLOW_TYPES.RollbackWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('rollback'),
        args: [
          {
            modelName,
            fromVersion: '3',
            toVersion: '1',
            actor: 'ada',
            reason: 'stale',
            datasetDigest: '',
          },
        ],
      },
    );
    const failure = applicationFailureOf(await handle.result().catch((error: unknown) => error));
    expect(failure?.type).toBe('CHAMPION_CHANGED');
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('2');
    expect(await db.snapshot()).toBe(before);
  });
});

describe('hindsight models rollback', () => {
  it('rolls back, prints the result, and shows it in `models show`', async () => {
    const modelName = await registerModel(2);
    await promote(modelName, 1, null);
    await promote(modelName, 2, 1);
    const env = { HINDSIGHT_SERVER: server.address, HINDSIGHT_API_TOKEN: '' };

    const done = await hindsight(
      ['models', 'rollback', modelName, '--reason', 'drift', '--actor', 'ada', '--json'],
      env,
    );
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({
      modelName,
      fromVersion: '2',
      toVersion: '1',
      actor: 'ada',
      reason: 'drift',
    });

    const text = await hindsight(['models', 'rollback', modelName, '--to', '2'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`rolled back ${modelName}: champion v1 → v2`);

    const again = await hindsight(['models', 'rollback', modelName, '--to', '2'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `FAILED_PRECONDITION: version 2 of '${modelName}' is the champion already`,
    );
    const badVersion = await hindsight(['models', 'rollback', modelName, '--to', 'two'], env);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toContain("--to takes a model version number, got 'two'");

    const shown = await hindsight(['models', 'show', modelName], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/v2 → v1 rolled back \(ada\): drift/);
    expect(shown.stdout).toMatch(/v1 → v2 rolled back/);
    expect(shown.stdout).toMatch(/v1 → v2 promoted by rules \[rocAuc gain 0\.0200, 95% interval/);
    expect(await currentChampion(temporal.mlflow, modelName)).toBe('2');
  }, 120_000);
});
