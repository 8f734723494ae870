// Figure (j)'s world: a database of its own with the demo history loaded to half, a champion
// promoted by RetrainingPipeline on it (Temporal, MLflow and a worker process), the history
// loaded on to 85% (the demo completes every work order by its end: at 85% some are open), then
// the platform server (`hindsight server`, with Temporal and MLflow) as a process of its own,
// 16 clients, and the open work orders it scores. The model learns from the first half, so that
// a live evaluation starting from its dataset's view state has the rest of the log to catch up.
import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { workOrderOverrunView } from '../examples/work-orders/src/workOrderOverrunView.js';
import type { DemoEvent } from '../demo/workOrders.js';
import { freePort } from '../stack/processes.js';
import type { RetrainingPipeline } from '../workflows/retrainingPipeline.js';
import { WORKFLOW_TYPES } from '../workflows/workflowTypes.js';
import { createCpuMeter, type CpuMeter } from './cpu.js';
import { startDatasetStack, type DatasetStack } from './datasetStack.js';
import { createDemoLoader, demoHistory } from './demoLoad.js';
import { CLIENTS, startServer, stopServer, waitUntilServing } from './environment.js';
import type { BenchEnvironment } from './environment.js';
import { createPipelineDatabase } from './pipelineDatabase.js';
import { createPredictClient, type PredictClient } from './predictClients.js';

/** About 93k demo events in all (12,000 work orders); 85% of them are loaded. */
const CAPACITY = 72_000;
const TRAINED_SHARE = 0.5;
const LOADED_SHARE = 0.85;
export const MODEL_NAME = 'bench-predict';
export const VIEW = workOrderOverrunView;

export interface PredictWorld {
  /** A plain pg connection to the database, for the baselines and the samplers. */
  pg: pg.Client;
  databaseUrl: string;
  stack: DatasetStack;
  champion: string;
  /** Open work orders the server scores. */
  entities: string[];
  clients: PredictClient[];
  /** This process, the platform server, PostgreSQL. */
  cpu: CpuMeter;
  close(): Promise<void>;
}

const took = (start: number): string => `${((performance.now() - start) / 1000).toFixed(1)}s`;

/** The work orders assigned and not completed in these events. */
const openWorkOrders = (events: readonly DemoEvent[]): string[] => {
  const open = new Set<string>();
  for (const { streamId, event } of events) {
    const id = streamId.slice(streamId.indexOf('-') + 1);
    if (event.type === 'WorkOrderAssigned') open.add(id);
    if (event.type === 'WorkOrderCompleted') open.delete(id);
  }
  return [...open];
};

const promoteChampion = async (stack: DatasetStack): Promise<string> => {
  const result = await stack.client.workflow.execute<typeof RetrainingPipeline>(
    WORKFLOW_TYPES.RetrainingPipeline,
    {
      taskQueue: stack.taskQueue,
      workflowId: `bench-predict-pipeline-${process.pid}`,
      args: [{ view: VIEW.name, modelName: MODEL_NAME }],
      workflowExecutionTimeout: '10 minutes',
    },
  );
  if (result.promotion?.outcome !== 'promoted') {
    throw new Error(`the pipeline promoted no champion: ${JSON.stringify(result.progress)}`);
  }
  console.log(
    `    RetrainingPipeline: ${result.dataset?.manifest.events} events, ` +
      `${result.dataset?.manifest.rows} rows, champion v${result.promotion.challengerVersion}`,
  );
  return result.promotion.challengerVersion;
};

/** The candidates the server scores: it may still be catching up (UNAVAILABLE) at first. */
const scorable = async (client: PredictClient, candidates: string[]): Promise<string[]> => {
  const deadline = performance.now() + 60_000;
  const entities: string[] = [];
  for (const entityId of candidates) {
    for (;;) {
      try {
        await client.predict(MODEL_NAME, entityId);
        entities.push(entityId);
        break;
      } catch (error) {
        const { code } = error as ServiceError;
        if (code === status.NOT_FOUND) break;
        if (code !== status.UNAVAILABLE || performance.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }
  return entities;
};

export const setUpPredictWorld = async (env: BenchEnvironment): Promise<PredictWorld> => {
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
    const client = new pg.Client({
      connectionString: database.url,
      application_name: 'bench-baseline',
    });
    await client.connect();
    cleanups.push(() => client.end());

    let start = performance.now();
    const history = [...demoHistory(CAPACITY)];
    const total = history.length;
    const trained = Math.floor(total * TRAINED_SHARE);
    const loaded = Math.floor(total * LOADED_SHARE);
    const loader = await createDemoLoader(database.url, CAPACITY);
    cleanups.push(() => loader.close());
    await loader.loadUntil(trained);
    await client.query('vacuum (analyze) hindsight.events');
    console.log(`  setup: ${trained} of ${total} demo events loaded in ${took(start)}`);

    start = performance.now();
    const stack = await startDatasetStack(database.url);
    cleanups.push(() => stack.close());
    await stack.startWorker();
    console.log(`  setup: Temporal, MLflow and a worker up in ${took(start)}`);
    start = performance.now();
    const champion = await promoteChampion(stack);
    console.log(`  setup: champion of '${MODEL_NAME}' promoted in ${took(start)}`);

    start = performance.now();
    await loader.loadUntil(loaded);
    await client.query('vacuum (analyze) hindsight.events');
    console.log(`  setup: loaded on to ${loaded} events (85%) in ${took(start)}`);

    start = performance.now();
    const port = await freePort();
    const server = startServer(database.url, port, {
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      MLFLOW_TRACKING_URI: stack.mlflowUri,
      HINDSIGHT_TASK_QUEUE: stack.taskQueue,
    });
    cleanups.push(() => stopServer(server));
    const address = `127.0.0.1:${port}`;
    const clients = Array.from({ length: CLIENTS }, () => createPredictClient(address));
    cleanups.push(() => Promise.resolve(clients.forEach((c) => c.close())));
    const [first] = clients;
    if (!first) throw new Error('no clients');
    await waitUntilServing(first.eventStore, server);
    await Promise.all(clients.map((c) => c.eventStore.calls.cut()));
    const candidates = openWorkOrders(history.slice(0, loaded));
    const entities = await scorable(first, candidates);
    if (entities.length === 0) throw new Error('the server scores none of the open work orders');
    console.log(
      `  setup: platform server pid ${server.pid} on ${address}, ${CLIENTS} channels; it scores ` +
        `${entities.length} of the ${candidates.length} open work orders (${took(start)})`,
    );
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    return {
      pg: client,
      databaseUrl: database.url,
      stack,
      champion,
      entities,
      clients,
      cpu: createCpuMeter(server.pid, rows[0]?.pid ?? 0),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
};
