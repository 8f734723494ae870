// (e) DatasetWorkflow over the demo log at 250k and at 1M events: events/s from the workflow's
// start to its result, against a plain pg keyset read of the same events below the same cut;
// and the worker's peak RSS (a fresh worker process per size), against the same worker's
// peak before it was given any work.
import type { WorkflowHandle } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { workOrderOverrunView } from '../examples/work-orders/src/workOrderOverrunView.js';
import type { DatasetWorkflowInput } from '../workflows/datasetInput.js';
import type {
  DatasetStage,
  DatasetWorkflow,
  DatasetWorkflowResult,
} from '../workflows/datasetWorkflow.js';
import { datasetProgressQuery } from '../workflows/messages.js';
import { WORKFLOW_TYPES } from '../workflows/workflowTypes.js';
import { createCpuMeter } from './cpu.js';
import { startDatasetStack, type DatasetStack, type WorkerProcess } from './datasetStack.js';
import { createDemoLoader } from './demoLoad.js';
import type { BenchEnvironment } from './environment.js';
import { rate } from './measure.js';
import { figure, valueAtMost, type Figure, type Target } from './report.js';

const SIZES = [250_000, 1_000_000];
const VIEW = workOrderOverrunView;
const PAGE = 5000;
const MIN_EVENTS_PER_SECOND = 50_000;
const THROUGHPUT_TARGET_SIZE = 1_000_000;
const MAX_PEAK_MB = 600;
/** How much the peak may grow from 250k to 1M events and still count as not growing. */
const GROWTH_TOLERANCE = 1.1;

interface SizeResult {
  size: number;
  eventsPerSecond: number;
  baselineEventsPerSecond: number;
  /** The worker's peak RSS over its whole life, and before it was given work, in MB. */
  peakMb: number;
  idlePeakMb: number;
}

const mb = (bytes: number): number => bytes / 1e6;
const label = (size: number): string => (size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`);

/** The log's visibility horizon as decimal text: everything below it is committed. */
const takeCutText = async (client: pg.Client): Promise<string> => {
  const { rows } = await client.query<{ cut: string }>(
    'select pg_snapshot_xmin(pg_current_snapshot())::text as cut',
  );
  const cut = rows[0]?.cut;
  if (cut === undefined) throw new Error('no horizon returned');
  return cut;
};

/**
 * Every event below the cut that the view reads (all but the platform's own), in commit order;
 * pg parses `data` and `metadata` (jsonb) with JSON.parse, as a consumer must.
 */
const readBelowCut = async (client: pg.Client, cut: string): Promise<number> => {
  let count = 0;
  let after = { txId: '0', position: '0' };
  for (;;) {
    const { rows } = await client.query<{ tx_id: string; global_position: string }>(
      `select * from hindsight.events
        where (tx_id, global_position) > ($1::text::xid8, $2) and tx_id < $3::text::xid8
          and event_type = any($4::text[])
        order by tx_id, global_position limit ${PAGE}`,
      [after.txId, after.position, cut, VIEW.eventTypes],
    );
    count += rows.length;
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return count;
    after = { txId: last.tx_id, position: last.global_position };
  }
};

/** Seconds each kind of activity ran (started to completed), from the workflow's history. */
const activitySeconds = (history: History): string => {
  const ms = (time: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
    Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
  const names = new Map<string, string>();
  const started = new Map<string, number>();
  const totals = new Map<string, { count: number; ms: number }>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    const start = event.activityTaskStartedEventAttributes;
    const done = event.activityTaskCompletedEventAttributes;
    if (scheduled) names.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    if (start) started.set(String(start.scheduledEventId), ms(event.eventTime));
    if (done) {
      const id = String(done.scheduledEventId);
      const name = names.get(id) ?? '?';
      const total = totals.get(name) ?? { count: 0, ms: 0 };
      total.count += 1;
      total.ms += ms(event.eventTime) - (started.get(id) ?? ms(event.eventTime));
      totals.set(name, total);
    }
  }
  return [...totals]
    .map(([name, t]) => `${name} ${t.count > 1 ? `${t.count}x ` : ''}${(t.ms / 1000).toFixed(2)}s`)
    .join(', ');
};

/**
 * Samples the worker's RSS every 200 ms with the workflow's stage (its `progress` query), to
 * tell which stage holds the peak; the sampling costs the worker a query now and then.
 */
const watchRssByStage = (
  handle: WorkflowHandle<typeof DatasetWorkflow>,
  worker: WorkerProcess,
): { stop(): Promise<string> } => {
  const highest = new Map<DatasetStage, number>();
  const sample = async (): Promise<void> => {
    const { stage } = await handle.query(datasetProgressQuery);
    highest.set(stage, Math.max(highest.get(stage) ?? 0, worker.rss()));
  };
  let pending = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(sample).catch(() => undefined);
  }, 200);
  return {
    stop: async () => {
      clearInterval(timer);
      await pending;
      return [...highest].map(([stage, bytes]) => `${stage} ${mb(bytes).toFixed(0)} MB`).join(', ');
    },
  };
};

/** Runs the workflow on a fresh worker; its time, CPU, activities and memory, printed. */
const generateOnFreshWorker = async (
  connection: pg.Client,
  stack: DatasetStack,
  size: number,
  cut: string,
): Promise<{ result: DatasetWorkflowResult; seconds: number; peak: number; idlePeak: number }> => {
  const worker = await stack.startWorker();
  try {
    const idlePeak = worker.peakRss();
    console.log(
      `    worker pid ${worker.pid} polling: peak RSS ${mb(idlePeak).toFixed(0)} MB so far, ` +
        `RSS ${mb(worker.rss()).toFixed(0)} MB`,
    );
    // From here on, the peak is the work's (startup's, e.g. bundling the workflows, is above).
    worker.resetPeak();
    const { rows } = await connection.query<{ pid: number }>('select pg_backend_pid() as pid');
    const cpu = createCpuMeter(worker.pid, rows[0]?.pid ?? 0);
    const before = cpu.sample();
    const start = performance.now();
    const input: DatasetWorkflowInput = { view: VIEW.name, cut };
    const handle = await stack.client.workflow.start<typeof DatasetWorkflow>(
      WORKFLOW_TYPES.DatasetWorkflow,
      {
        taskQueue: stack.taskQueue,
        workflowId: `bench-dataset-${label(size)}-${process.pid}`,
        args: [input],
        workflowExecutionTimeout: '20 minutes',
      },
    );
    const watch = watchRssByStage(handle, worker);
    const result = await handle.result().finally(() => watch.stop());
    const seconds = (performance.now() - start) / 1000;
    const after = cpu.sample();
    const workPeak = worker.peakRss();
    const cpuOf = (a?: number, b?: number): string =>
      a === undefined || b === undefined ? 'n/a' : `${(b - a).toFixed(1)}s`;
    console.log(
      `    DatasetWorkflow: ${rate(result.manifest.events, seconds, 'events')} ` +
        `(${result.manifest.rows} rows) in ${seconds.toFixed(2)}s; ` +
        `cpu: worker ${cpuOf(before.server, after.server)}, ` +
        `postgres ${cpuOf(before.postgres, after.postgres)}`,
    );
    console.log(`    activities: ${activitySeconds(await handle.fetchHistory())}`);
    console.log(
      `    worker peak RSS while generating: ${mb(workPeak).toFixed(0)} MB; ` +
        `highest RSS sampled by stage: ${await watch.stop()}`,
    );
    return { result, seconds, peak: Math.max(idlePeak, workPeak), idlePeak };
  } finally {
    await worker.stop();
  }
};

const measureAtSize = async (
  env: BenchEnvironment,
  stack: DatasetStack,
  size: number,
): Promise<SizeResult> => {
  const connection = env.pg[0];
  if (!connection) throw new Error('no pg connection');
  const cut = await takeCutText(connection);
  console.log(`  at ${label(size)} events, cut ${cut}:`);

  const baselineStart = performance.now();
  const baselineEvents = await readBelowCut(connection, cut);
  const baselineSeconds = (performance.now() - baselineStart) / 1000;
  console.log(`    pg keyset read: ${rate(baselineEvents, baselineSeconds, 'events')}`);

  const { result, seconds, peak, idlePeak } = await generateOnFreshWorker(
    connection,
    stack,
    size,
    cut,
  );
  const { events } = result.manifest;
  if (events !== baselineEvents) {
    throw new Error(`the dataset read ${events} events, the pg read ${baselineEvents}`);
  }
  return {
    size,
    eventsPerSecond: events / seconds,
    baselineEventsPerSecond: baselineEvents / baselineSeconds,
    peakMb: mb(peak),
    idlePeakMb: mb(idlePeak),
  };
};

const throughputAtLeast = ({ value }: { value: number }): Target => ({
  text: `>= ${MIN_EVENTS_PER_SECOND} events/s`,
  met: value >= MIN_EVENTS_PER_SECOND,
});

/** At most 600 MB, and no more than a little above the peak at the smallest size. */
const peakNotGrowing =
  (smallest: SizeResult) =>
  ({ value }: { value: number }): Target => ({
    text: `<= ${MAX_PEAK_MB} MB, <= ${GROWTH_TOLERANCE}x at ${label(smallest.size)}`,
    met: value <= MAX_PEAK_MB && value <= smallest.peakMb * GROWTH_TOLERANCE,
  });

export const generateDatasets = async (env: BenchEnvironment): Promise<Figure[]> => {
  console.log(
    `(e) DatasetWorkflow '${VIEW.name}' over the demo log at ${SIZES.map(label).join(' and ')} ` +
      'events, against a pg keyset read; a fresh worker process per size',
  );
  const stack = await startDatasetStack(env.databaseUrl);
  const results: SizeResult[] = [];
  try {
    const loader = await createDemoLoader(env.databaseUrl, Math.max(...SIZES));
    try {
      for (const size of SIZES) {
        await loader.loadUntil(size);
        // As autovacuum would have: sets hint bits, so that no measured read pays for them.
        await env.pg[0]?.query('vacuum (analyze) hindsight.events');
        results.push(await measureAtSize(env, stack, size));
      }
    } finally {
      await loader.close();
    }
  } finally {
    await stack.close();
  }
  const smallest = results[0];
  if (!smallest) return [];
  return [
    ...results.map((r) =>
      figure(
        `(e) dataset generation, ${label(r.size)} events`,
        'events/s',
        r.eventsPerSecond,
        r.baselineEventsPerSecond,
        // The target is set on the full million; smaller logs pay the fixed costs (opening the
        // MLflow run, workflow tasks: about a second) over fewer events.
        r.size === THROUGHPUT_TARGET_SIZE ? throughputAtLeast : undefined,
      ),
    ),
    ...results.map((r) =>
      figure(
        `(e) worker peak RSS, ${label(r.size)} events (baseline: idle worker)`,
        'MB',
        r.peakMb,
        r.idlePeakMb,
        r === smallest ? valueAtMost(MAX_PEAK_MB, 'MB') : peakNotGrowing(smallest),
      ),
    ),
  ];
};
