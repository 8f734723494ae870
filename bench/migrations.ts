// (i) Upcasting WorkOrderBlocked v1 → v2 while 4 clients keep appending (10-event appends at a
// steady pace, some of them WorkOrderBlocked v1 too): migrated events/s of the library (plan,
// begin, batches of 1000 with the demo upcasters) and of UpcastMigrationWorkflow on a worker
// process, each over its own set of BENCH_MIGRATION_EVENTS in-scope events (default 100k) among
// other events, in a database of their own; against a plain SQL UPDATE (jsonb_set, batches of
// 1000) over a copy of the first set's rows, under the same appends. And the appends' latency
// during each, against the same appends' before any of it.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { builtInUpcasters } from '../runtime/builtIns.js';
import { BLOCK_REASON_CODES } from '../examples/work-orders/src/demoUpcasters.js';
import { appendToStream } from '../eventstore/appendToStream.js';
import { takeCut } from '../eventstore/cut.js';
import { createClient, createPool } from '../eventstore/pool.js';
import type { NewEvent } from '../eventstore/types.js';
import {
  beginMigration,
  migrateBatch,
  planMigration,
  verifyMigration,
} from '../eventstore/upcasting/migrations.js';
import type { UpcasterRegistry } from '../eventstore/upcasting/upcasters.js';
import type { UpcastMigrationWorkflow } from '../workflows/upcastMigrationWorkflow.js';
import { WORKFLOW_TYPES } from '../workflows/workflowTypes.js';
import { startDatasetStack, type DatasetStack } from './datasetStack.js';
import type { BenchEnvironment } from './environment.js';
import { percentile } from './measure.js';
import { createPipelineDatabase } from './pipelineDatabase.js';
import { seconds, taskSpans, taskTotals, workflowSpan } from './pipelineHistory.js';
import { figure, type Figure, type Target } from './report.js';

const IN_SCOPE = Number(process.env.BENCH_MIGRATION_EVENTS ?? 100_000);
if (!Number.isSafeInteger(IN_SCOPE) || IN_SCOPE < 100) {
  throw new Error(
    `BENCH_MIGRATION_EVENTS must be an integer of at least 100, not ${process.env.BENCH_MIGRATION_EVENTS}`,
  );
}
const EVENT_TYPE = 'WorkOrderBlocked';
const TO_VERSION = 2;
const BATCH_SIZE = 1000;
/** Each work order of a set: created, assigned, this many blocks (with work), completed. */
const BLOCKS_PER_ORDER = 10;
const LOADERS = 8;
const APPENDERS = 4;
const EVENTS_PER_APPEND = 10;
const APPENDS_PER_SECOND_PER_CLIENT = 25;
/** A fresh stream for each client after this many appends. */
const APPENDS_PER_STREAM = 100;
const QUIET_MS = 3000;
const MIN_EVENTS_PER_SECOND = 10_000;
const REASONS = [...Object.keys(BLOCK_REASON_CODES), 'waiting for approval'];
const COPY = 'bench_migration_copy';

const label = (size: number): string => (size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`);

const blocked = (workOrderId: string, n: number, occurredAt: number): NewEvent => ({
  type: EVENT_TYPE,
  schemaVersion: 1,
  data: { workOrderId, reason: REASONS[n % REASONS.length] },
  occurredAt,
  metadata: { actor: 'bench' },
});

/** One work order with `blocks` blocks in the first schema, and the events around them. */
const workOrderEvents = (workOrderId: string, blocks: number): NewEvent[] => {
  let at = Date.UTC(2026, 0, 5, 8);
  const next = (type: string, data: Record<string, unknown> = {}): NewEvent => {
    at += 3_600_000;
    return { type, data: { workOrderId, ...data }, occurredAt: at, metadata: { actor: 'bench' } };
  };
  const events = [
    next('WorkOrderCreated', { customerId: 'C001', priority: 'normal', estimatedHours: 8 }),
    next('WorkOrderAssigned', { technicianId: 'T01' }),
  ];
  for (let b = 0; b < blocks; b++) {
    at += 3_600_000;
    events.push(
      blocked(workOrderId, b, at),
      next('WorkLogged', { technicianId: 'T01', hours: 0.5 }),
      next('WorkOrderUnblocked'),
    );
  }
  events.push(next('WorkOrderCompleted', { actualHours: blocks / 2, late: false }));
  return events;
};

/** A set of work orders holding IN_SCOPE blocks, one append per work order, several at once. */
const loadSet = async (url: string, prefix: string): Promise<number> => {
  const orders = Math.ceil(IN_SCOPE / BLOCKS_PER_ORDER);
  // A lost commit of the loader would only fail the run: no need to wait for each one's fsync.
  const clients = Array.from(
    { length: LOADERS },
    () =>
      new pg.Client({
        connectionString: url,
        application_name: 'bench-migration-loader',
        options: '-c synchronous_commit=off',
      }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  const start = performance.now();
  let events = 0;
  try {
    await Promise.all(
      clients.map(async (client, k) => {
        for (let o = k; o < orders; o += LOADERS) {
          const blocks = Math.min(BLOCKS_PER_ORDER, IN_SCOPE - o * BLOCKS_PER_ORDER);
          const batch = workOrderEvents(`WO-${prefix}${o}`, blocks);
          await appendToStream(client, `workorder-${prefix}${o}`, batch);
          events += batch.length;
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
  const rate = Math.round(events / ((performance.now() - start) / 1000));
  console.log(`  set ${prefix}: ${events} events, ${IN_SCOPE} of them in scope (${rate} events/s)`);
  return events;
};

interface AppendSample {
  /** When the append was sent (performance.now()). */
  at: number;
  ms: number;
}

interface Appenders {
  samples: AppendSample[];
  /** Stops them; throws the first append that failed. */
  stop(): Promise<void>;
}

const liveEvents = (workOrderId: string, n: number): NewEvent[] =>
  Array.from({ length: EVENTS_PER_APPEND }, (_, i) =>
    i === 0 && n % 2 === 0
      ? blocked(workOrderId, n, Date.now())
      : {
          type: 'WorkLogged',
          data: { workOrderId, technicianId: 'T02', hours: 0.25 },
          metadata: { actor: 'bench' },
        },
  );

/** Clients appending at a steady pace, each to its own streams; every append is timed. */
const startAppenders = async (url: string): Promise<Appenders> => {
  const clients = Array.from({ length: APPENDERS }, () => createClient(url, 'bench-appender'));
  await Promise.all(clients.map((client) => client.connect()));
  const samples: AppendSample[] = [];
  const failures: Error[] = [];
  let stopped = false;
  const interval = 1000 / APPENDS_PER_SECOND_PER_CLIENT;
  const start = performance.now();
  const loops = clients.map(async (client, c) => {
    try {
      for (let n = 0; !stopped; n++) {
        // Staggered, so that the clients' appends do not all leave at once.
        const wait = start + (n + c / APPENDERS) * interval - performance.now();
        if (wait > 0) await sleep(wait);
        const stream = Math.floor(n / APPENDS_PER_STREAM);
        const at = performance.now();
        await appendToStream(client, `workorder-LIVE${c}x${stream}`, liveEvents(`WO-LIVE${c}`, n));
        samples.push({ at, ms: performance.now() - at });
      }
    } catch (error) {
      failures.push(error as Error);
    }
  });
  return {
    samples,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      await Promise.all(clients.map((client) => client.end()));
      if (failures[0]) throw failures[0];
    },
  };
};

interface AppendStats {
  appends: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

const appendStats = (samples: readonly AppendSample[], from: number, to: number): AppendStats => {
  const ms = samples
    .filter((s) => s.at >= from && s.at < to)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  return {
    appends: ms.length,
    perSecond: (1000 * ms.length) / (to - from),
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms.at(-1) ?? Number.NaN,
  };
};

const showAppends = (s: AppendStats): string =>
  `${s.appends} appends (${s.perSecond.toFixed(0)}/s of ${APPENDERS * APPENDS_PER_SECOND_PER_CLIENT} ` +
  `paced), p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(1)} ms`;

/** Times `work` and the appends sent while it ran. */
const whileAppending = async <T>(
  appenders: Appenders,
  work: () => Promise<T>,
): Promise<{ result: T; seconds: number; appends: AppendStats }> => {
  const from = performance.now();
  const result = await work();
  const to = performance.now();
  return { result, seconds: (to - from) / 1000, appends: appendStats(appenders.samples, from, to) };
};

/** The baseline's table: the first set's rows as they were stored, with the same indexes. */
const copyFirstSet = async (client: pg.Client): Promise<void> => {
  await client.query(
    `create table ${COPY} (like hindsight.events including all excluding identity)`,
  );
  await client.query(`insert into ${COPY} select * from hindsight.events`);
};

/** What the upcaster does, in SQL: `reason` text → `{ code, text }`, in batches of 1000. */
const updateCopyInBatches = async (client: pg.Client): Promise<number> => {
  let after = { tx: '0', position: 0 };
  let updated = 0;
  for (;;) {
    const { rows } = await client.query<{ tx: string; position: number }>(
      `with batch as (
         select global_position from ${COPY}
          where event_type = $1 and schema_version < $2
            and (tx_id, global_position) > ($3::text::xid8, $4)
          order by tx_id, global_position limit ${BATCH_SIZE})
       update ${COPY} e
          set data = jsonb_set(e.data, '{reason}', jsonb_build_object(
                'code', coalesce($5::jsonb ->> (e.data ->> 'reason'), 'other'),
                'text', e.data -> 'reason')),
              schema_version = $2
         from batch where e.global_position = batch.global_position
       returning e.tx_id::text as tx, e.global_position as position`,
      [EVENT_TYPE, TO_VERSION, after.tx, after.position, JSON.stringify(BLOCK_REASON_CODES)],
    );
    updated += rows.length;
    for (const row of rows) {
      const tx = BigInt(row.tx);
      if (tx > BigInt(after.tx) || (tx === BigInt(after.tx) && row.position > after.position)) {
        after = row;
      }
    }
    if (rows.length < BATCH_SIZE) return updated;
  }
};

/** plan, begin and batches until done: the migration proper, as the workflow's activities do it. */
const migrateWithLibrary = async (
  pool: pg.Pool,
  upcasters: UpcasterRegistry,
  cutTx: number,
): Promise<{ migrationId: string; migrated: number }> => {
  const migrationId = `bench-library-${process.pid}`;
  const plan = await planMigration(pool, upcasters, {
    eventType: EVENT_TYPE,
    toVersion: TO_VERSION,
    cutTx,
  });
  if (plan.total !== IN_SCOPE) throw new Error(`${plan.total} events in scope, not ${IN_SCOPE}`);
  await beginMigration(pool, { migrationId, plan });
  let migrated = 0;
  for (;;) {
    const batch = await migrateBatch(pool, upcasters, { migrationId, batchSize: BATCH_SIZE });
    if (batch.failure) throw new Error(`the migration stopped: ${batch.failure.message}`);
    migrated += batch.migrated;
    if (batch.done) return { migrationId, migrated };
  }
};

const runWorkflow = async (stack: DatasetStack) => {
  const handle = await stack.client.workflow.start<typeof UpcastMigrationWorkflow>(
    WORKFLOW_TYPES.UpcastMigrationWorkflow,
    {
      taskQueue: stack.taskQueue,
      workflowId: `bench-migration-${process.pid}`,
      args: [{ eventType: EVENT_TYPE, toVersion: TO_VERSION, batchSize: BATCH_SIZE }],
      workflowExecutionTimeout: '20 minutes',
    },
  );
  const result = await handle.result();
  if (!result.verification?.ok) throw new Error('the workflow migration did not verify');
  return { result, history: await handle.fetchHistory() };
};

const throughputAtLeast = ({ value }: { value: number }): Target => ({
  text: `>= ${MIN_EVENTS_PER_SECOND} events/s`,
  met: value >= MIN_EVENTS_PER_SECOND,
});

interface Measured {
  quiet: AppendStats;
  baseline: { updated: number; seconds: number; appends: AppendStats };
  library: { migrated: number; seconds: number; appends: AppendStats };
  workflow: { migrated: number; seconds: number; appends: AppendStats };
}

const measure = async (
  url: string,
  client: pg.Client,
  stack: DatasetStack,
  cutTx: number,
): Promise<Measured> => {
  const pool = createPool({ connectionString: url, max: 4, applicationName: 'bench-migration' });
  const upcasters = builtInUpcasters();
  const appenders = await startAppenders(url);
  try {
    const quietFrom = performance.now();
    await sleep(QUIET_MS);
    const quiet = appendStats(appenders.samples, quietFrom, performance.now());
    console.log(`  appends before any migration: ${showAppends(quiet)}`);

    const baseline = await whileAppending(appenders, () => updateCopyInBatches(client));
    console.log(
      `  SQL update of the copy: ${baseline.result} events in ${baseline.seconds.toFixed(2)}s ` +
        `(${Math.round(baseline.result / baseline.seconds)} events/s); appends: ` +
        showAppends(baseline.appends),
    );
    if (baseline.result !== IN_SCOPE) throw new Error(`updated ${baseline.result} of ${IN_SCOPE}`);
    // Between the measured phases, so that no autovacuum of one lands in the next.
    await client.query(`vacuum (analyze) ${COPY}`);

    const library = await whileAppending(appenders, () =>
      migrateWithLibrary(pool, upcasters, cutTx),
    );
    const { migrated } = library.result;
    console.log(
      `  library migration: ${migrated} events in ${library.seconds.toFixed(2)}s ` +
        `(${Math.round(migrated / library.seconds)} events/s); appends: ` +
        showAppends(library.appends),
    );
    const verifyStart = performance.now();
    const verification = await verifyMigration(pool, upcasters, {
      migrationId: library.result.migrationId,
    });
    if (!verification.ok) throw new Error('the library migration did not verify');
    console.log(
      `  its verification: ${verification.revisions} revisions in ` +
        `${((performance.now() - verifyStart) / 1000).toFixed(2)}s`,
    );

    await client.query('vacuum (analyze) hindsight.events, hindsight.event_revisions');
    const workflow = await whileAppending(appenders, () => runWorkflow(stack));
    const { result, history } = workflow.result;
    const ran = taskSpans(history);
    const busy = ran.reduce((sum, task) => sum + seconds(task.ran), 0);
    console.log(
      `  UpcastMigrationWorkflow: ${result.migrated} events (its cut took the second set and ` +
        `the blocks appended since the first) in ${workflow.seconds.toFixed(2)}s, verified; ` +
        `appends: ${showAppends(workflow.appends)}`,
    );
    console.log(
      `    ${taskTotals(ran)}; workflow tasks and queueing ` +
        `${(seconds(workflowSpan(history)) - busy).toFixed(2)}s`,
    );
    return {
      quiet,
      baseline: { updated: baseline.result, seconds: baseline.seconds, appends: baseline.appends },
      library: { migrated, seconds: library.seconds, appends: library.appends },
      workflow: { migrated: result.migrated, seconds: workflow.seconds, appends: workflow.appends },
    };
  } finally {
    await appenders.stop();
    await pool.end();
  }
};

const toFigures = (m: Measured): Figure[] => {
  const baseline = m.baseline.updated / m.baseline.seconds;
  const size = `${label(IN_SCOPE)} events, ${APPENDERS} clients appending`;
  return [
    figure(
      `(i) migration, library batches of ${BATCH_SIZE}, ${size} (baseline: SQL update in batches)`,
      'events/s',
      m.library.migrated / m.library.seconds,
      baseline,
      throughputAtLeast,
    ),
    figure(
      `(i) UpcastMigrationWorkflow incl. verify, ${size} (baseline: SQL update in batches)`,
      'events/s',
      m.workflow.migrated / m.workflow.seconds,
      baseline,
      throughputAtLeast,
    ),
    figure(
      '(i) append p99 during the library migration (baseline: before any migration)',
      'ms',
      m.library.appends.p99,
      m.quiet.p99,
    ),
    figure(
      '(i) append p99 during UpcastMigrationWorkflow (baseline: before any migration)',
      'ms',
      m.workflow.appends.p99,
      m.quiet.p99,
    ),
  ];
};

export const migrateWhileAppending = async (env: BenchEnvironment): Promise<Figure[]> => {
  console.log(
    `(i) upcasting migration of ${label(IN_SCOPE)} ${EVENT_TYPE} v1 events to v2 while ` +
      `${APPENDERS} clients append ${EVENTS_PER_APPEND} events ${APPENDS_PER_SECOND_PER_CLIENT} ` +
      'times a second each: library batches, then UpcastMigrationWorkflow on a worker, each on ' +
      'a set of its own; against a SQL update of a copy of the first set',
  );
  const admin = env.pg[0];
  if (!admin) throw new Error('no pg connection');
  const database = await createPipelineDatabase(admin, env.databaseUrl);
  try {
    const client = createClient(database.url, 'bench-baseline');
    await client.connect();
    try {
      await loadSet(database.url, 'MIGA');
      // The first set's scope: everything below this cut (the loaders have committed).
      const { transactionId: cutTx } = await takeCut(client);
      await copyFirstSet(client);
      await loadSet(database.url, 'MIGB');
      // As autovacuum would have: sets hint bits, so that no measured batch pays for them.
      await client.query(`vacuum (analyze) hindsight.events, ${COPY}`);
      const stack = await startDatasetStack(database.url);
      try {
        await stack.startWorker();
        return toFigures(await measure(database.url, client, stack, cutTx));
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
