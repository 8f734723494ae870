// (f) RetrainingPipeline on 100k demo events, on a fresh worker process, in a database of its
// own: its wall time (printed by stage, from the workflow's history) against the raw work under
// it done in the bench process: a plain pg read of the same events, then each trainer's
// `train()` on the same rows. Also the dataset stage against that pg read, and each trainer's
// training activity per 100k train rows against its `train()` alone.
import type { History } from '@temporalio/common/lib/proto-utils.js';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { TrainModelInput, TrainerSpec } from '../activities/training/types.js';
import { projectRoot } from '../config/paths.js';
import { workOrderOverrunView } from '../examples/work-orders/src/workOrderOverrunView.js';
import type { PipelineInput } from '../workflows/pipelineInput.js';
import type { PipelineResult, RetrainingPipeline } from '../workflows/retrainingPipeline.js';
import { WORKFLOW_TYPES } from '../workflows/workflowTypes.js';
import { createCpuMeter } from './cpu.js';
import { startDatasetStack, type DatasetStack } from './datasetStack.js';
import { createDemoLoader } from './demoLoad.js';
import type { BenchEnvironment } from './environment.js';
import { readEventsBelowCut, readTrainingSet, trainInProcess } from './pipelineBaseline.js';
import { createPipelineDatabase } from './pipelineDatabase.js';
import { seconds, taskSpans } from './pipelineHistory.js';
import { printStages } from './pipelineStages.js';
import { figure, type Figure } from './report.js';

const EVENTS = 100_000;
const PER_ROWS = 100_000;
const VIEW = workOrderOverrunView;
const TRAINERS: TrainerSpec[] = [{ name: 'logistic_regression' }, { name: 'random_forest' }];

interface PipelineRun {
  result: PipelineResult;
  /** From starting the workflow to its result, at the client. */
  seconds: number;
  /** The dataset stage's wall time. */
  datasetSeconds: number;
  /** Each trainer's trainModel activity, started to completed. */
  activitySeconds: Map<string, number>;
}

/**
 * Where the worker keeps the datasets it fetched: the work folder datasetStack.ts gives it
 * (HINDSIGHT_WORK_DIR), in publishedDataset.ts's layout. The sha256 check catches a change.
 */
const cachedParquetFile = (digest: string): string =>
  path.join(
    projectRoot,
    `.data/bench-${process.pid}`,
    'work/datasets/by-digest',
    `${digest}.parquet`,
  );

const historiesOfChildren = async (
  stack: DatasetStack,
  history: History,
): Promise<Map<string, History>> => {
  const ids = taskSpans(history)
    .filter((t) => t.kind === 'child')
    .map((t) => t.name);
  const histories = await Promise.all(
    ids.map((id) => stack.client.workflow.getHandle(id).fetchHistory()),
  );
  return new Map(ids.map((id, i) => [id, histories[i] as History]));
};

const runOnFreshWorker = async (client: pg.Client, stack: DatasetStack): Promise<PipelineRun> => {
  const worker = await stack.startWorker();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const cpu = createCpuMeter(worker.pid, rows[0]?.pid ?? 0);
    const before = cpu.sample();
    const start = performance.now();
    const input: PipelineInput = { view: VIEW.name, trainers: TRAINERS };
    const handle = await stack.client.workflow.start<typeof RetrainingPipeline>(
      WORKFLOW_TYPES.RetrainingPipeline,
      {
        taskQueue: stack.taskQueue,
        workflowId: `bench-pipeline-${process.pid}`,
        args: [input],
        workflowExecutionTimeout: '20 minutes',
      },
    );
    const result = await handle.result();
    const wall = (performance.now() - start) / 1000;
    const after = cpu.sample();
    const cpuOf = (a?: number, b?: number): string =>
      a === undefined || b === undefined ? 'n/a' : `${(b - a).toFixed(1)}s`;
    console.log(
      `    RetrainingPipeline (worker pid ${worker.pid}): ${result.status}, ` +
        `${result.dataset?.manifest.events} events, ${result.dataset?.manifest.rows} rows, ` +
        `promotion ${result.promotion?.outcome ?? 'none'}, in ${wall.toFixed(2)}s; ` +
        `cpu: worker ${cpuOf(before.server, after.server)}, ` +
        `postgres ${cpuOf(before.postgres, after.postgres)}, bench ${cpuOf(before.bench, after.bench)}`,
    );
    const history = await handle.fetchHistory();
    const stages = printStages(history, await historiesOfChildren(stack, history));
    const dataset = stages.find((s) => s.stage === 'dataset');
    const activitySeconds = new Map(
      taskSpans(history)
        .filter((t) => t.name === 'trainModel')
        .map((t) => [(t.input as TrainModelInput).trainer.name, seconds(t.ran)]),
    );
    return {
      result,
      seconds: wall,
      datasetSeconds: dataset ? seconds(dataset) : Number.NaN,
      activitySeconds,
    };
  } finally {
    await worker.stop();
  }
};

interface Baseline {
  readSeconds: number;
  /** Each trainer's `train()` in the bench process. */
  fitSeconds: Map<string, number>;
  trainRows: number;
}

/** The raw work on the pipeline's own dataset; the worker has stopped, its files remain. */
const measureBaseline = async (client: pg.Client, { result }: PipelineRun): Promise<Baseline> => {
  const { dataset, trained } = result;
  if (!dataset) throw new Error('the pipeline made no dataset');
  const { manifest } = dataset;
  const types = VIEW.eventTypes;
  if (!types) throw new Error(`the view ${VIEW.name} names no event types to read`);
  const read = await readEventsBelowCut(client, manifest.cut.transactionId, types);
  if (read.events !== manifest.events) {
    throw new Error(`the dataset read ${manifest.events} events, the pg read ${read.events}`);
  }
  console.log(`    pg read of the dataset's events: ${read.seconds.toFixed(2)}s`);
  const set = await readTrainingSet(manifest, cachedParquetFile(dataset.digest));
  const fitSeconds = new Map<string, number>();
  for (const spec of TRAINERS) {
    const fit = trainInProcess(spec, set);
    const inPipeline = trained.find((t) => t.trainer === spec.name);
    if (inPipeline?.trainRows !== set.rows.length) {
      throw new Error(
        `${spec.name} trained on ${inPipeline?.trainRows} rows, here on ${set.rows.length}`,
      );
    }
    console.log(
      `    ${spec.name} on ${set.rows.length} train rows: train() in-process ${fit.toFixed(2)}s; ` +
        `in the pipeline: training thread ${inPipeline.trainingSeconds.toFixed(2)}s`,
    );
    fitSeconds.set(spec.name, fit);
  }
  return { readSeconds: read.seconds, fitSeconds, trainRows: set.rows.length };
};

const toFigures = (run: PipelineRun, baseline: Baseline): Figure[] => {
  const perRows = (s: number): number => (1000 * s * PER_ROWS) / baseline.trainRows;
  const fits = [...baseline.fitSeconds.values()].reduce((a, b) => a + b, 0);
  return [
    figure(
      `(f) RetrainingPipeline, 100k events (baseline: pg read + each train())`,
      'ms',
      1000 * run.seconds,
      1000 * (baseline.readSeconds + fits),
    ),
    figure(
      '(f) pipeline stage dataset, 100k events (baseline: pg read)',
      'ms',
      1000 * run.datasetSeconds,
      1000 * baseline.readSeconds,
    ),
    ...TRAINERS.map(({ name }) =>
      figure(
        `(f) trainModel ${name} per 100k train rows (baseline: train())`,
        'ms',
        perRows(run.activitySeconds.get(name) ?? Number.NaN),
        perRows(baseline.fitSeconds.get(name) ?? Number.NaN),
      ),
    ),
  ];
};

export const timeRetrainingPipeline = async (env: BenchEnvironment): Promise<Figure[]> => {
  console.log(
    `(f) RetrainingPipeline '${VIEW.name}' on 100k demo events with ` +
      `${TRAINERS.map((t) => t.name).join(' and ')}, on a fresh worker process, against a pg ` +
      'read of the same events and each train() in the bench process',
  );
  const admin = env.pg[0];
  if (!admin) throw new Error('no pg connection');
  const database = await createPipelineDatabase(admin, env.databaseUrl);
  try {
    const loader = await createDemoLoader(database.url, EVENTS);
    try {
      await loader.loadUntil(EVENTS);
    } finally {
      await loader.close();
    }
    const client = new pg.Client({
      connectionString: database.url,
      application_name: 'bench-baseline',
    });
    await client.connect();
    try {
      // As autovacuum would have: sets hint bits, so that no measured read pays for them.
      await client.query('vacuum (analyze) hindsight.events');
      const stack = await startDatasetStack(database.url);
      try {
        const run = await runOnFreshWorker(client, stack);
        return toFigures(run, await measureBaseline(client, run));
      } finally {
        await stack.close();
      }
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
};
