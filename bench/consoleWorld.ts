// Figure (k)'s world: a database of its own filled with about a million events (consoleEvents.ts),
// Temporal and MLflow (benchServers.ts, no worker started), thousands of workflows in Temporal's
// visibility (consoleWorkflows.ts), a few paused schedules, a registered model with versions and
// a champion, and the console's HTTP server in this process on a free port, built as
// `hindsight server` builds it. Plain pg connections, the Temporal client and the MLflow client
// make the raw calls of the baselines. Each set-up step prints how long it took.
import type { Client } from '@temporalio/client';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { CHAMPION_ALIAS } from '../activities/promotion/moveChampion.js';
import { MODEL_TAGS } from '../activities/training/modelLineage.js';
import { builtInUpcasters } from '../runtime/builtIns.js';
import { builtInViewRegistry } from '../runtime/worker.js';
import { createEventStore, type EventStore } from '../eventstore/eventStore.js';
import { createClient, createPool } from '../eventstore/pool.js';
import { createMlflowClient, type MlflowClient } from '../mlflow/index.js';
import { startConsoleServer, type RunningConsole } from '../services/console/consoleServer.js';
import { createPipelineSchedules } from '../services/schedules/index.js';
import { fillConsoleLog, DATASET_VIEWS, type ConsoleLog } from './consoleEvents.js';
import { startConsoleWorkflows, type ConsoleWorkflows } from './consoleWorkflows.js';
import path from 'node:path';
import { projectRoot } from '../config/paths.js';
import { startBenchServers, type BenchServers } from './benchServers.js';
import type { BenchEnvironment } from './environment.js';
import { createPipelineDatabase } from './pipelineDatabase.js';

export const MODEL = 'work-order-overrun';
const MODEL_VERSIONS = 3;
/** The platform server's pool size (HINDSIGHT_PG_POOL_MAX's default). */
const POOL_MAX = 20;
/** Plain pg connections for the baselines: as many as a page makes calls at once. */
const RAW_CONNECTIONS = 4;

export interface ConsoleWorld {
  /** The console's base URL, e.g. http://127.0.0.1:40123. */
  url: string;
  log: ConsoleLog;
  workflows: ConsoleWorkflows;
  /** Plain pg connections to the database. */
  pg: pg.Client[];
  temporal: Client;
  mlflow: MlflowClient;
  namespace: string;
  /** The platform's task queue: the schedules', and the overview's worker check's (unpolled). */
  taskQueue: string;
  close(): Promise<void>;
}

const took = (start: number): string => `${((performance.now() - start) / 1000).toFixed(1)}s`;

/** A registered model with versions (each from a run with metrics), the newest the champion. */
const registerModel = async (mlflow: MlflowClient): Promise<void> => {
  const experiment = await mlflow.getOrCreateExperiment({ name: `training-${MODEL}` });
  await mlflow.getOrCreateRegisteredModel({ name: MODEL });
  for (let v = 1; v <= MODEL_VERSIONS; v++) {
    const run = await mlflow.createRun({ experimentId: experiment.experimentId });
    await mlflow.logBatch({
      runId: run.info.runId,
      metrics: [
        { key: 'validation_roc_auc', value: 0.8 + v / 100 },
        { key: 'validation_log_loss', value: 0.5 - v / 100 },
        { key: 'train_rows', value: 8000 + v * 150 },
      ],
    });
    await mlflow.createModelVersion({
      name: MODEL,
      source: `${run.info.artifactUri}/model`,
      runId: run.info.runId,
      tags: {
        [MODEL_TAGS.trainer]: 'logistic_regression',
        [MODEL_TAGS.view]: 'work_order_overrun',
        [MODEL_TAGS.cut]: String(1000 + v),
        [MODEL_TAGS.workflowId]: `pipeline-work_order_overrun-${v}`,
        [MODEL_TAGS.validationRocAuc]: String(0.8 + v / 100),
      },
    });
  }
  await mlflow.setModelAlias({
    name: MODEL,
    alias: CHAMPION_ALIAS,
    version: String(MODEL_VERSIONS),
  });
};

/** Paused schedules of the views' pipelines: the schedules page describes each one. */
const createSchedules = async (stack: BenchServers, taskQueue: string): Promise<number> => {
  const schedules = createPipelineSchedules(stack.client.schedule, { taskQueue });
  const specs = [{ every: '6h' }, { every: '1d' }, { cron: '0 3 * * *' }];
  let count = 0;
  for (const view of DATASET_VIEWS) {
    for (const spec of specs) {
      await schedules.create({
        id: `retrain-${view}-${count}`,
        input: { view },
        spec,
        paused: true,
        note: 'bench: paused',
      });
      count += 1;
    }
  }
  return count;
};

export const setUpConsoleWorld = async (
  env: BenchEnvironment,
  sizes: { events: number; workflows: number },
): Promise<ConsoleWorld> => {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: Error) => console.error(`cleanup failed: ${error.message}`));
    }
  };
  try {
    const admin = env.pg[0];
    if (!admin) throw new Error('no pg connection');
    const database = await createPipelineDatabase(admin, env.databaseUrl);
    cleanups.push(() => database.drop());

    let start = performance.now();
    const log = await fillConsoleLog(database.url, sizes.events, MODEL);
    console.log(
      `  setup: ${log.events} events (${log.demoEvents} demo, ${log.platformEvents} platform) ` +
        `loaded and vacuumed in ${took(start)}`,
    );

    start = performance.now();
    const stack = await startBenchServers({
      runDir: path.join(projectRoot, `.data/bench-console-${process.pid}`),
      sqlitePragmas: ['synchronous=OFF', 'journal_mode=WAL'],
    });
    cleanups.push(() => stack.close());
    const mlflow = createMlflowClient({ trackingUri: stack.mlflowUri });
    await registerModel(mlflow);
    const taskQueue = `bench-console-${process.pid}`;
    const schedules = await createSchedules(stack, taskQueue);
    console.log(
      `  setup: Temporal and MLflow up, model '${MODEL}' (${MODEL_VERSIONS} versions) and ` +
        `${schedules} paused schedules in ${took(start)}`,
    );

    start = performance.now();
    const unpolled = `bench-console-unpolled-${process.pid}`;
    const workflows = await startConsoleWorkflows(stack.client, unpolled, sizes.workflows);
    console.log(
      `  setup: ${workflows.total} workflows started in ${workflows.startSeconds.toFixed(1)}s ` +
        `(${Math.round(workflows.total / workflows.startSeconds)}/s), ${workflows.terminated} ` +
        `terminated in ${workflows.terminateSeconds.toFixed(1)}s, all in visibility ` +
        `${workflows.visibilitySeconds.toFixed(1)}s later (${took(start)} in all)`,
    );

    start = performance.now();
    const pool = createPool({
      connectionString: database.url,
      max: POOL_MAX,
      applicationName: 'bench-console',
    });
    cleanups.push(() => pool.end());
    const store: EventStore = createEventStore({
      pool,
      listenClient: () => createClient(database.url, 'bench-console-listen'),
      upcasters: builtInUpcasters(),
    });
    cleanups.push(() => store.close());
    const server: RunningConsole = await startConsoleServer({
      deps: {
        sql: pool,
        store,
        temporal: stack.client,
        namespace: 'default',
        taskQueue,
        mlflow,
        views: builtInViewRegistry(),
        links: {
          temporalUi: 'http://127.0.0.1:8233',
          mlflowUi: stack.mlflowUri,
          temporalNamespace: 'default',
        },
        onInternalError: (error) => console.error('console internal error:', error),
      },
      host: '127.0.0.1',
      port: 0,
      version: 'bench',
    });
    cleanups.push(() => server.close());
    const clients = Array.from(
      { length: RAW_CONNECTIONS },
      () => new pg.Client({ connectionString: database.url, application_name: 'bench-baseline' }),
    );
    cleanups.push(() => Promise.all(clients.map((c) => c.end())).then(() => undefined));
    await Promise.all(clients.map((c) => c.connect()));
    console.log(`  setup: console on ${server.url} in ${took(start)}`);

    return {
      url: server.url,
      log,
      workflows,
      pg: clients,
      temporal: stack.client,
      mlflow,
      namespace: 'default',
      taskQueue,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
};
