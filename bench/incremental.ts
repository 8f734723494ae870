// (h) A dataset after 1% new events, built on the view state kept with the dataset before it
// (incremental), against a full rebuild at the same cut: both through DatasetWorkflow on one
// worker process, in a database of their own, alternately. Each beside a plain pg read of the
// events it must read (the new ones; all of them), and the two digests must be equal. The runs'
// time is printed by activity: an incremental run's fixed costs (MLflow, workflow tasks) show.
// BENCH_INCREMENTAL_EVENTS sets the log's size before the 1% (default 1M: on a small log the
// fixed costs of any run, MLflow calls and workflow tasks, hide what incremental builds save).
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { assembleParquet } from '../activities/datasets/assembleParquet.js';
import { openDuckDb } from '../activities/datasets/parquet.js';
import { ASSEMBLY_MEMORY, ASSEMBLY_THREADS } from '../activities/datasets/publishDataset.js';
import { projectRoot } from '../config/paths.js';
import { workOrderOverrunView } from '../examples/work-orders/src/workOrderOverrunView.js';
import type { DatasetWorkflowInput } from '../workflows/datasetInput.js';
import type {
  DatasetProgress,
  DatasetWorkflow,
  DatasetWorkflowResult,
} from '../workflows/datasetWorkflow.js';
import { datasetProgressQuery } from '../workflows/messages.js';
import { WORKFLOW_TYPES } from '../workflows/workflowTypes.js';
import { startDatasetStack, type DatasetStack } from './datasetStack.js';
import { createDemoLoader, type DemoLoader } from './demoLoad.js';
import type { BenchEnvironment } from './environment.js';
import { readEventsBelowCut } from './pipelineBaseline.js';
import { createPipelineDatabase } from './pipelineDatabase.js';
import { seconds, taskSpans, taskTotals, workflowSpan } from './pipelineHistory.js';
import { figure, type Figure, type Target } from './report.js';

const EVENTS = Number(process.env.BENCH_INCREMENTAL_EVENTS ?? 1_000_000);
if (!Number.isSafeInteger(EVENTS) || EVENTS < 100) {
  throw new Error(
    `BENCH_INCREMENTAL_EVENTS must be an integer of at least 100, not ${process.env.BENCH_INCREMENTAL_EVENTS}`,
  );
}
const NEW_EVENTS = Math.round(EVENTS * 0.01);
const ROUNDS = 2;
const MIN_SPEEDUP = 10;
const VIEW = workOrderOverrunView;

interface DatasetRun {
  result: DatasetWorkflowResult;
  progress: DatasetProgress;
  /** From starting the workflow to its result, at the client. */
  seconds: number;
  history: History;
}

const label = (size: number): string => (size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`);

const takeCut = async (client: pg.Client): Promise<number> => {
  const { rows } = await client.query<{ cut: string }>(
    'select pg_snapshot_xmin(pg_current_snapshot())::text as cut',
  );
  return Number(rows[0]?.cut);
};

const generate = async (
  stack: DatasetStack,
  name: string,
  input: DatasetWorkflowInput,
): Promise<DatasetRun> => {
  const start = performance.now();
  const handle = await stack.client.workflow.start<typeof DatasetWorkflow>(
    WORKFLOW_TYPES.DatasetWorkflow,
    {
      taskQueue: stack.taskQueue,
      workflowId: `bench-incremental-${name}-${process.pid}`,
      args: [input],
      workflowExecutionTimeout: '20 minutes',
    },
  );
  const result = await handle.result();
  const wall = (performance.now() - start) / 1000;
  const progress = await handle.query(datasetProgressQuery);
  return { result, progress, seconds: wall, history: await handle.fetchHistory() };
};

/** Each activity's run time, the workflow's time around them, the client's around that. */
const timeSpent = ({ history, seconds: wall }: DatasetRun): string => {
  const tasks = taskSpans(history);
  const ran = tasks.reduce((sum, task) => sum + seconds(task.ran), 0);
  const workflow = seconds(workflowSpan(history));
  return (
    `${taskTotals(tasks)}; workflow tasks and queueing ${(workflow - ran).toFixed(2)}s; ` +
    `start and result at the client ${(wall - workflow).toFixed(2)}s`
  );
};

const printRun = (what: string, run: DatasetRun): void => {
  const { manifest } = run.result;
  console.log(
    `    ${what}: ${run.seconds.toFixed(2)}s, read ${run.progress.events.read} events ` +
      `(${manifest.events} in the dataset, ${manifest.rows} rows), digest ` +
      `${run.result.digest.slice(0, 12)}`,
  );
  console.log(`      ${timeSpent(run)}`);
};

/** The events an incremental run reads: after the base's last one, below the cut. */
const readNewEvents = async (
  client: pg.Client,
  baseCut: number,
  cut: number,
): Promise<{ events: number; seconds: number }> => {
  const { rows: base } = await client.query<{ last_tx: string; last_position: string }>(
    `select last_tx::text, last_position::text from hindsight.view_snapshots
      where view_name = $1 and cut_tx = $2`,
    [VIEW.name, baseCut],
  );
  const after = base[0];
  if (!after || base.length > 1) throw new Error(`no single view state at cut ${baseCut}`);
  const start = performance.now();
  const { rows } = await client.query(
    `select * from hindsight.events
      where (tx_id, global_position) > ($1::text::xid8, $2) and tx_id < $3::text::xid8
        and event_type = any($4::text[])
      order by tx_id, global_position`,
    [after.last_tx, after.last_position, String(cut), VIEW.eventTypes],
  );
  return { events: rows.length, seconds: (performance.now() - start) / 1000 };
};

interface Round {
  incremental: DatasetRun;
  full: DatasetRun;
  newRead: { events: number; seconds: number };
  fullRead: { events: number; seconds: number };
}

/** One incremental run on the first dataset's state and one full rebuild, at the same cut. */
const measureRound = async (
  client: pg.Client,
  stack: DatasetStack,
  round: number,
  baseCut: number,
  cut: number,
): Promise<Round> => {
  console.log(`  round ${round}:`);
  // The state a run at this cut kept: without it, the run builds on the first dataset again.
  await client.query('delete from hindsight.view_snapshots where view_name = $1 and cut_tx = $2', [
    VIEW.name,
    cut,
  ]);
  const newRead = await readNewEvents(client, baseCut, cut);
  console.log(`    pg read of the new events: ${newRead.events} in ${newRead.seconds.toFixed(3)}s`);
  const incremental = await generate(stack, `incremental-${round}`, { view: VIEW.name, cut });
  printRun('incremental DatasetWorkflow', incremental);
  const types = VIEW.eventTypes;
  if (!types) throw new Error(`the view ${VIEW.name} names no event types`);
  const fullRead = await readEventsBelowCut(client, cut, types);
  console.log(
    `    pg read of all its events: ${fullRead.events} in ${fullRead.seconds.toFixed(2)}s`,
  );
  const full = await generate(stack, `full-${round}`, {
    view: VIEW.name,
    cut,
    incremental: false,
  });
  printRun('full rebuild', full);

  if (incremental.progress.base?.cut !== baseCut || full.progress.base !== null) {
    throw new Error(
      `the incremental run built on ${JSON.stringify(incremental.progress.base)}, ` +
        `the full rebuild on ${JSON.stringify(full.progress.base)}`,
    );
  }
  if (incremental.progress.events.read !== newRead.events) {
    throw new Error(
      `the incremental run read ${incremental.progress.events.read} events, ` +
        `the pg read ${newRead.events}`,
    );
  }
  if (incremental.result.digest !== full.result.digest) {
    throw new Error(
      `DIGESTS DIFFER: incremental ${incremental.result.digest}, full ${full.result.digest}`,
    );
  }
  console.log(`    digests equal: ${full.result.digest}`);
  return { incremental, full, newRead, fullRead };
};

/**
 * What every publication pays whatever it read: all the dataset's rows sorted into one Parquet
 * file and read back for the digest. Timed here, in the bench process, on the published file
 * the worker cached (its work folder is the one datasetStack.ts gives it), without MLflow.
 */
const timeAssembly = async (run: DatasetRun): Promise<number> => {
  const { digest } = run.result;
  const published = path.join(
    projectRoot,
    `.data/bench-${process.pid}`,
    'work/datasets/by-digest',
    `${digest}.parquet`,
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-assemble-'));
  try {
    const db = await openDuckDb(dir, { memoryLimit: ASSEMBLY_MEMORY, threads: ASSEMBLY_THREADS });
    try {
      const start = performance.now();
      const assembled = await assembleParquet(db, VIEW, {
        batchFiles: [published],
        outFile: path.join(dir, 'dataset.parquet'),
        // The very split the workflow published it with: the digest covers it.
        split: run.result.manifest.split,
      });
      const elapsed = (performance.now() - start) / 1000;
      if (assembled.digest !== digest) {
        throw new Error(`assembled again, the dataset has digest ${assembled.digest}`);
      }
      return elapsed;
    } finally {
      db.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

const fasterThanFull =
  (fullMs: number) =>
  ({ value }: { value: number }): Target => ({
    text: `full rebuild / this >= ${MIN_SPEEDUP}`,
    met: fullMs / value >= MIN_SPEEDUP,
  });

const toFigures = (rounds: readonly Round[]): Figure[] => {
  const incrementalMs = 1000 * mean(rounds.map((r) => r.incremental.seconds));
  const fullMs = 1000 * mean(rounds.map((r) => r.full.seconds));
  const newReadMs = 1000 * mean(rounds.map((r) => r.newRead.seconds));
  const fullReadMs = 1000 * mean(rounds.map((r) => r.fullRead.seconds));
  const speedup = fullMs / incrementalMs;
  console.log(
    `  incremental ${incrementalMs.toFixed(0)} ms, full rebuild ${fullMs.toFixed(0)} ms ` +
      `(mean of ${rounds.length}): ${speedup.toFixed(1)}x faster, target ${MIN_SPEEDUP}x ` +
      `${speedup >= MIN_SPEEDUP ? 'met' : 'MISSED'}`,
  );
  const size = `${label(EVENTS)} + 1% events`;
  return [
    figure(
      `(h) incremental dataset, ${size} (baseline: pg read of the new events)`,
      'ms',
      incrementalMs,
      newReadMs,
      fasterThanFull(fullMs),
    ),
    figure(
      `(h) full dataset rebuild, ${size} (baseline: pg read of all its events)`,
      'ms',
      fullMs,
      fullReadMs,
    ),
  ];
};

const loadAndVacuum = async (
  loader: DemoLoader,
  client: pg.Client,
  total: number,
): Promise<void> => {
  await loader.loadUntil(total);
  // As autovacuum would have: sets hint bits, so that no measured read pays for them.
  await client.query('vacuum (analyze) hindsight.events');
};

export const generateIncrementalDatasets = async (env: BenchEnvironment): Promise<Figure[]> => {
  console.log(
    `(h) DatasetWorkflow '${VIEW.name}' after ${NEW_EVENTS} new demo events on ${label(EVENTS)}: ` +
      `incremental (on the dataset at ${label(EVENTS)}) and a full rebuild at the same cut, ` +
      `${ROUNDS} rounds on one worker process, against pg reads of the events each must read`,
  );
  const admin = env.pg[0];
  if (!admin) throw new Error('no pg connection');
  const database = await createPipelineDatabase(admin, env.databaseUrl);
  try {
    const client = new pg.Client({
      connectionString: database.url,
      application_name: 'bench-baseline',
    });
    await client.connect();
    try {
      // One history of EVENTS + 1%: its first EVENTS events, then the rest.
      const loader = await createDemoLoader(database.url, EVENTS + NEW_EVENTS);
      try {
        await loadAndVacuum(loader, client, EVENTS);
        const stack = await startDatasetStack(database.url);
        try {
          await stack.startWorker();
          const baseCut = await takeCut(client);
          const first = await generate(stack, 'first', { view: VIEW.name, cut: baseCut });
          printRun(`first dataset at ${label(EVENTS)}, cut ${baseCut}`, first);
          await loadAndVacuum(loader, client, EVENTS + NEW_EVENTS);
          const cut = await takeCut(client);
          const rounds: Round[] = [];
          for (let round = 1; round <= ROUNDS; round++) {
            rounds.push(await measureRound(client, stack, round, baseCut, cut));
          }
          const last = rounds.at(-1);
          if (last) {
            const assembly = await timeAssembly(last.incremental);
            console.log(
              `  assembling the ${last.incremental.result.manifest.rows} rows into Parquet with ` +
                `their digest, in the bench process: ${assembly.toFixed(2)}s (part of every ` +
                'publishDataset, incremental or not)',
            );
          }
          return toFigures(rounds);
        } finally {
          await stack.close();
        }
      } finally {
        await loader.close();
      }
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
};
