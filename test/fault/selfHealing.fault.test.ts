// Every long-lived follower heals itself (issue 18, point 2). A real `hindsight server` runs on a
// PostgreSQL, a Temporal and an MLflow of this file's own, with a champion from a real pipeline,
// predictions and appends running all along; each dependency is taken down and brought back in
// turn. While it is down, the health service reports NOT_SERVING for the services that need it
// (and '' for the server) and the console's overview names them; within 10 s of it accepting
// connections again — the server never restarted — Predict answers from a live view that went on
// from where it was (one more event shows as exactly one more), subscriptions have every event
// once, the live evaluation (a workflow on a worker process) reads on, and health is SERVING.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEventStoreClient,
  createModelsClient,
  createPipelinesClient,
} from '../support/grpcCalls.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { generateDemoEvents } from '../../demo/workOrders.js';
import { createEventStore, type EventStore } from '../../eventstore/eventStore.js';
import { createClient, createPool } from '../../eventstore/pool.js';
import { migrate } from '../../eventstore/schema/migrate.js';
import type { Subscription } from '../../eventstore/subscribe.js';
import { SubscribeRequest, type SubscribeResponse } from '../../gen/hindsight/v1/eventstore.js';
import type { PredictResponse } from '../../gen/hindsight/v1/models.js';
import { ListPipelinesRequest } from '../../gen/hindsight/v1/pipelines.js';
import type { Overview } from '../../services/console/api.js';
import type { LiveEvaluationInput } from '../../workflows/liveEvaluationInput.js';
import type { LiveEvaluationWorkflow } from '../../workflows/liveEvaluationWorkflow.js';
import type { RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createHealthClient, type HealthClient } from '../support/healthCheck.js';
import { startKillablePostgres, type KillablePostgres } from '../support/killablePostgres.js';
import { freePort, spawnHindsight } from '../support/processes.js';
import {
  startRestartableMlflow,
  startRestartableTemporal,
  type RestartableService,
} from '../support/restartableServices.js';
import { uniqueId } from '../support/temporal.js';
import { exited, startWorkerProcess } from '../support/workerProcess.js';
import { rejectionOf, sleep, waitFor } from '../support/wait.js';

const BACK_WITHIN_MS = 10_000;
/**
 * Live evaluation is a workflow whose activities retry at most 5 s apart on a worker that
 * reconnects to Temporal on its own: it reads on within seconds, not within Predict's 10 s
 * when the machine is loaded. Its bound is what its options promise: an activity that was in
 * flight when a dependency went away (its completion lost with Temporal) is known lost at its
 * heartbeat timeout (1 minute, liveEvaluationWorkflow.ts), then retried within 5 s.
 */
const EVALUATION_BACK_WITHIN_MS = 60_000 + 5_000 + 15_000;
const view = workOrderOverrunView;
const EVENT_STORE = 'hindsight.v1.EventStore';
const MODELS = 'hindsight.v1.Models';
const PIPELINES = 'hindsight.v1.Pipelines';
const OPERATIONS = 'hindsight.v1.Operations';
const SERVICES = ['', EVENT_STORE, MODELS, PIPELINES, OPERATIONS];

let postgres: KillablePostgres;
let temporal: RestartableService;
let mlflow: RestartableService;
let pool: pg.Pool;
let store: EventStore;
let server: ChildProcess;
let serverLog = '';
let address: string;
let consoleUrl: string;
let health: HealthClient;
let models: ReturnType<typeof createModelsClient>;
let modelName: string;
let workDir: string;
let worker: ChildProcess | undefined;
const evaluation = uniqueId('fault-evaluation');
/** An open work order only the tests append to, and one the load appends to. */
let quiet: string;
let busy: string;

/** How many events the live evaluation has read (its checkpointed count). */
const evaluated = async (): Promise<number> => {
  const { rows } = await pool.query<{ events: string }>(
    'select events::text from hindsight.live_evaluations where name = $1',
    [evaluation],
  );
  return Number(rows[0]?.events ?? 0);
};

/** Resolves once the live evaluation reads on past where it is now. */
const evaluationReadsOn = async (timeoutMs: number): Promise<void> => {
  const now = await evaluated();
  await waitFor(async () => (await evaluated()) > now, timeoutMs, 'live evaluation to read on');
};

const predict = (entityId: string, deadlineMs = 5_000): Promise<PredictResponse> =>
  new Promise((resolve, reject) => {
    models.predict(
      { modelName, entityId, predictionId: '', asOfMs: 0 },
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (error: ServiceError | null, response: PredictResponse) =>
        error ? reject(error) : resolve(response),
    );
  });

const logEntries = async (entityId: string): Promise<number> =>
  (JSON.parse((await predict(entityId)).featuresJson.toString()) as { log_entries: number })
    .log_entries;

const answers = (entityId: string, deadlineMs?: number): Promise<boolean> =>
  predict(entityId, deadlineMs).then(
    () => true,
    () => false,
  );

const healthIs = async (expected: Record<string, string>): Promise<boolean> => {
  for (const [service, wanted] of Object.entries(expected)) {
    if ((await health.check(service)) !== wanted) return false;
  }
  return true;
};

const allServing = (): Record<string, string> =>
  Object.fromEntries(SERVICES.map((service) => [service, 'SERVING']));

const overview = async (): Promise<Overview> => {
  const response = await fetch(`${consoleUrl}/api/overview`);
  expect(response.status).toBe(200);
  return (await response.json()) as Overview;
};

/** Predictions and appends all along: counts what succeeded and failed, and when. */
const load = {
  running: true,
  /** Global positions of the appends to `busy` that were acknowledged. */
  acked: [] as number[],
  outcomes: [] as { at: number; ok: boolean }[],
  done: Promise.resolve() as Promise<unknown>,
  start(): void {
    const predictions = async (): Promise<void> => {
      while (this.running) {
        // A generous deadline: a loaded machine is slow, not failing; a Predict that hangs
        // on a dependency for this long is.
        const ok = await answers(busy, 15_000);
        this.outcomes.push({ at: Date.now(), ok });
        if (!ok) await sleep(50);
      }
    };
    const appends = async (): Promise<void> => {
      while (this.running) {
        try {
          const result = await store.append(`workorder-${busy}`, [
            { type: 'WorkLogged', data: { technicianId: 'load', hours: 0.25 } },
          ]);
          this.acked.push(...result.globalPositions);
        } catch {
          // The database is down: the append is refused; the load goes on.
        }
        await sleep(100);
      }
    };
    this.done = Promise.all([predictions(), predictions(), appends()]);
  },
  between(from: number, to: number): { ok: number; failed: number } {
    const window = this.outcomes.filter(({ at }) => at >= from && at <= to);
    return {
      ok: window.filter(({ ok }) => ok).length,
      failed: window.filter(({ ok }) => !ok).length,
    };
  },
};

const startServer = async (): Promise<void> => {
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  server = spawnHindsight(['server'], {
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporal.address,
    MLFLOW_TRACKING_URI: mlflow.address,
    HINDSIGHT_GRPC_PORT: String(port),
    HINDSIGHT_HTTP_HOST: '127.0.0.1',
    HINDSIGHT_TASK_QUEUE: uniqueId('fault'),
  });
  await new Promise<void>((resolve, reject) => {
    server.stderr?.on('data', (chunk: Buffer) => {
      serverLog += chunk.toString();
      const url = /"url":"([^"]+)".*web console listening/.exec(serverLog)?.[1];
      if (url) consoleUrl = url;
      if (consoleUrl && serverLog.includes('gRPC server listening')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}: ${serverLog}`)));
  });
};

beforeAll(async () => {
  [postgres, temporal, mlflow] = await Promise.all([
    startKillablePostgres(),
    startRestartableTemporal(),
    startRestartableMlflow(),
  ]);
  pool = createPool({ connectionString: postgres.url, max: 8, applicationName: 'fault-test' });
  await migrate(pool);
  store = createEventStore({ pool, listenClient: () => createClient(postgres.url) });

  // Most of a demo history: some work orders are still open.
  const history = [...generateDemoEvents({ seed: 41, workOrders: 400 })];
  const stop = history[Math.floor(history.length * 0.85)]?.event.occurredAt ?? Infinity;
  const open = new Set<string>();
  for (const { streamId, event } of history) {
    if ((event.occurredAt ?? 0) > stop) break;
    await store.append(streamId, [event]);
    const id = streamId.slice(streamId.indexOf('-') + 1);
    if (event.type === 'WorkOrderAssigned') open.add(id);
    if (event.type === 'WorkOrderCompleted') open.delete(id);
  }
  [quiet = '', busy = ''] = [...open];

  // A champion, from a real pipeline on a worker process (run from sources like the server, so
  // that both compute the same code hash of the view), which then runs the live evaluation.
  workDir = await mkdtemp(path.join(tmpdir(), 'hindsight-fault-'));
  const taskQueue = uniqueId('fault-pipeline');
  worker = await startWorkerProcess(postgres.url, taskQueue, workDir, {
    TEMPORAL_ADDRESS: temporal.address,
    MLFLOW_TRACKING_URI: mlflow.address,
  });
  const clientConnection = await Connection.connect({ address: temporal.address });
  try {
    modelName = `fault-${Date.now().toString(36)}`;
    const client = new Client({ connection: clientConnection });
    const result = await client.workflow.execute<typeof RetrainingPipeline>(
      WORKFLOW_TYPES.RetrainingPipeline,
      {
        taskQueue,
        workflowId: uniqueId('pipeline'),
        args: [{ view: view.name, modelName }],
        workflowExecutionTimeout: '10 minutes',
      },
    );
    expect(result.promotion?.outcome).toBe('promoted');
    const input: LiveEvaluationInput = {
      modelName,
      view: view.name,
      name: evaluation,
      graceMs: 500,
      pollMs: 200,
      policy: null,
    };
    await client.workflow.start<typeof LiveEvaluationWorkflow>(
      WORKFLOW_TYPES.LiveEvaluationWorkflow,
      {
        taskQueue,
        workflowId: evaluation,
        args: [input],
      },
    );
  } finally {
    await clientConnection.close();
  }

  await startServer();
  health = createHealthClient(address);
  models = createModelsClient({ address });
  let why = '';
  await waitFor(
    () =>
      predict(quiet).then(
        () => true,
        (error: Error) => ((why = error.message), false),
      ),
    60_000,
    'the first prediction',
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${why}\n${serverLog.slice(-3000)}`);
  });
  load.start();
  await waitFor(async () => (await evaluated()) > 0, 60_000, 'the live evaluation to read the log');
}, 900_000);

afterAll(async () => {
  load.running = false;
  await load.done;
  models?.close();
  health?.close();
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await exited(worker);
  }
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
  await store?.close();
  await pool?.end();
  await Promise.all([postgres?.stop(), temporal?.remove(), mlflow?.remove()]);
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 120_000);

describe('self-healing: each dependency restarted under load, the server never', () => {
  it('PostgreSQL killed (-9) and restarted: NOT_SERVING while down; Predict, subscriptions and health back within 10 s', async () => {
    const before = await logEntries(quiet);
    // A live gRPC Subscribe and a named subscription, both caught up before the crash.
    const streamed: number[] = [];
    let streamCaughtUp = false;
    let streamEnded: string | null = null;
    const eventStoreClient = createEventStoreClient({ address });
    const stream = eventStoreClient.subscribe(
      SubscribeRequest.fromPartial({
        start: { $case: 'fromEnd', fromEnd: true },
        categories: ['workorder'],
      }),
    );
    stream.on('data', ({ message }: SubscribeResponse) => {
      if (message?.$case === 'caughtUp') streamCaughtUp = true;
      if (message?.$case === 'events') {
        streamed.push(...message.events.events.map((event) => event.globalPosition));
      }
    });
    stream.on('error', (error: Error) => (streamEnded = error.message));
    stream.on('end', () => (streamEnded ??= 'ended'));
    const handled: number[] = [];
    let named: Subscription | undefined;
    let namedCaughtUp = false;
    try {
      named = store.subscribe({
        name: uniqueId('fault-subscriber'),
        categories: ['workorder'],
        handler: (events) => {
          handled.push(...events.map((event) => event.globalPosition));
          return Promise.resolve();
        },
        onCaughtUp: () => (namedCaughtUp = true),
      });
      await waitFor(
        () => streamCaughtUp && namedCaughtUp,
        30_000,
        'both subscriptions to catch up',
      );
      const firstAcked = load.acked.length;
      const namedFrom = handled.length;
      // Appends acknowledged after both caught up and before the crash.
      await waitFor(
        () => load.acked.length >= firstAcked + 2,
        BACK_WITHIN_MS,
        'appends to be acknowledged before the crash',
      );
      const ackedBeforeCrash = load.acked.length - firstAcked;

      await postgres.kill({ everyProcess: true });
      await waitFor(
        () =>
          healthIs({ '': 'NOT_SERVING', [EVENT_STORE]: 'NOT_SERVING', [MODELS]: 'NOT_SERVING' }),
        20_000,
        'health to report NOT_SERVING for the services that need PostgreSQL',
      );
      // Those that do not need it go on serving.
      expect(await health.check(PIPELINES)).toBe('SERVING');
      expect((await rejectionOf(predict(quiet))).code).toBe(status.UNAVAILABLE);
      const down = (await overview()).components.find((c) => c.name === 'postgres');
      expect(down).toMatchObject({ ok: false });
      expect(down?.affects).toEqual(expect.arrayContaining([EVENT_STORE, MODELS, OPERATIONS]));

      await postgres.restart();
      const back = Date.now();
      await waitFor(() => answers(quiet), BACK_WITHIN_MS, 'Predict to answer again');
      await waitFor(
        () => healthIs(allServing()),
        BACK_WITHIN_MS - (Date.now() - back),
        'health to be SERVING again',
      );
      expect(Date.now() - back).toBeLessThan(BACK_WITHIN_MS);
      console.info(`PostgreSQL back: all served again after ${Date.now() - back} ms`);
      // Live evaluation (a workflow on the worker) reads on too.
      await evaluationReadsOn(EVALUATION_BACK_WITHIN_MS - (Date.now() - back));
      console.info(`PostgreSQL back: live evaluation reads on after ${Date.now() - back} ms`);

      // The live view went on from where it was: nothing skipped, nothing applied twice.
      await store.append(`workorder-${quiet}`, [
        { type: 'WorkLogged', data: { technicianId: 'fault', hours: 1 } },
      ]);
      expect(await logEntries(quiet)).toBe(before + 1);
      // Every acknowledged append since both caught up (before the crash and after), once each,
      // in both subscriptions.
      const last = load.acked.length;
      await waitFor(
        () => load.acked.length >= last + 2,
        BACK_WITHIN_MS,
        'appends to be acknowledged again',
      );
      const all = load.acked.slice(firstAcked);
      expect(ackedBeforeCrash).toBeGreaterThan(0);
      await waitFor(
        () => all.every((position) => streamed.includes(position) && handled.includes(position)),
        BACK_WITHIN_MS,
        `every acknowledged append in both subscriptions (stream: ${streamEnded ?? 'open'})`,
      );
      expect(new Set(streamed).size).toBe(streamed.length);
      expect(new Set(handled.slice(namedFrom)).size).toBe(handled.length - namedFrom);
      expect(streamEnded).toBeNull();
    } finally {
      stream.cancel();
      eventStoreClient.close();
      await named?.stop();
    }
  }, 240_000);

  it('MLflow stopped and started: Models NOT_SERVING while down, Predict goes on with the champion, health back within 10 s', async () => {
    expect(await answers(quiet)).toBe(true);
    const stopped = Date.now();
    await mlflow.stop();
    await waitFor(
      () => healthIs({ '': 'NOT_SERVING', [MODELS]: 'NOT_SERVING' }),
      20_000,
      'health to report NOT_SERVING for the services that need MLflow',
    );
    expect(await health.check(EVENT_STORE)).toBe('SERVING');
    expect(await health.check(PIPELINES)).toBe('SERVING');
    const down = (await overview()).components.find((c) => c.name === 'mlflow');
    expect(down).toMatchObject({ ok: false, affects: [MODELS] });
    // The alias cannot move while MLflow is down: Predict goes on with the champion it knows.
    expect(await answers(quiet)).toBe(true);

    await mlflow.start();
    const back = Date.now();
    expect(load.between(stopped, back)).toMatchObject({ failed: 0 });
    expect(load.between(stopped, back).ok).toBeGreaterThan(0);
    await waitFor(() => healthIs(allServing()), BACK_WITHIN_MS, 'health to be SERVING again');
    await waitFor(() => answers(quiet), BACK_WITHIN_MS - (Date.now() - back), 'Predict');
    expect(Date.now() - back).toBeLessThan(BACK_WITHIN_MS);
    console.info(`MLflow back: all served again after ${Date.now() - back} ms`);
    // Live evaluation (a workflow on the worker) reads on too.
    await evaluationReadsOn(EVALUATION_BACK_WITHIN_MS - (Date.now() - back));
    console.info(`MLflow back: live evaluation reads on after ${Date.now() - back} ms`);
  }, 240_000);

  it('Temporal stopped and started: Pipelines and Operations NOT_SERVING while down, Predict unaffected, all back within 10 s', async () => {
    const pipelines = createPipelinesClient({ address });
    // Visibility only: no worker runs to answer a pipeline's queries.
    const listPipelines = (): Promise<boolean> =>
      new Promise((resolve) => {
        pipelines.listPipelines(
          ListPipelinesRequest.fromPartial({ pageSize: 1 }),
          new Metadata(),
          { deadline: Date.now() + 3_000 },
          (error) => resolve(!error),
        );
      });
    try {
      expect(await listPipelines()).toBe(true);
      const stopped = Date.now();
      await temporal.stop();
      await waitFor(
        () =>
          healthIs({ '': 'NOT_SERVING', [PIPELINES]: 'NOT_SERVING', [OPERATIONS]: 'NOT_SERVING' }),
        20_000,
        'health to report NOT_SERVING for the services that need Temporal',
      );
      expect(await health.check(EVENT_STORE)).toBe('SERVING');
      expect(await health.check(MODELS)).toBe('SERVING');
      const down = (await overview()).components.find((c) => c.name === 'temporal');
      expect(down?.affects).toEqual(expect.arrayContaining([PIPELINES, OPERATIONS]));
      expect(await answers(quiet)).toBe(true);

      await temporal.start();
      const back = Date.now();
      expect(load.between(stopped, back)).toMatchObject({ failed: 0 });
      await waitFor(() => healthIs(allServing()), BACK_WITHIN_MS, 'health to be SERVING again');
      await waitFor(listPipelines, BACK_WITHIN_MS - (Date.now() - back), 'ListPipelines');
      expect(Date.now() - back).toBeLessThan(BACK_WITHIN_MS);
      console.info(`Temporal back: all served again after ${Date.now() - back} ms`);
      // Live evaluation (a workflow on the worker) reads on too.
      await evaluationReadsOn(EVALUATION_BACK_WITHIN_MS - (Date.now() - back));
      console.info(`Temporal back: live evaluation reads on after ${Date.now() - back} ms`);
      expect(await answers(quiet)).toBe(true);
    } finally {
      pipelines.close();
    }
  }, 240_000);
});
