// Crashes and outages during dataset generation: a worker process killed midway (SIGKILL) and
// replaced by another with an empty work folder gives the same digest without redoing the
// finished batches; MLflow unreachable is retried, then fails, with nothing registered.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { expectedDatasetDigest } from '../support/expectedDigest.js';
import { readLogUntil } from '../../activities/datasets/readLogUntil.js';
import { generateDemoEvents } from '../../demo/workOrders.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import type { LogEvent } from '../../ml/featureView.js';
import { createMlflowClient } from '../../mlflow/index.js';
import type { DatasetProgress, DatasetWorkflow } from '../../workflows/datasetWorkflow.js';
import { datasetProgressQuery } from '../../workflows/messages.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort, hindsight } from '../support/processes.js';
import {
  applicationFailureOf,
  createTestTemporal,
  uniqueId,
  type TestTemporal,
} from '../support/temporal.js';
import { sleep } from '../support/wait.js';
import { createWorkerFleet, exited } from '../support/workerProcess.js';

let db: TestDatabase;
let temporal: TestTemporal;
let scratch: string;
const workers = createWorkerFleet(
  () => db.url,
  () => temporal.taskQueue,
);

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  scratch = await mkdtemp(path.join(tmpdir(), 'hindsight-crash-'));
  for (const { streamId, event } of generateDemoEvents({ seed: 8, workOrders: 500 })) {
    await db.store.append(streamId, [event]);
  }
});

afterAll(async () => {
  await workers.killAll();
  await temporal.close();
  await db.drop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a worker killed during dataset generation', () => {
  it('is replaced by another that finishes with the same digest, redoing no finished batch', async () => {
    const first = await workers.start(path.join(scratch, 'worker-1'));
    const cut = await db.store.cut();
    const workflowId = uniqueId('dataset-crash');
    const handle = await temporal.client.workflow.start<typeof DatasetWorkflow>(
      WORKFLOW_TYPES.DatasetWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId,
        args: [
          {
            view: 'work_order_overrun',
            cut: cut.transactionId,
            eventsPerBatch: 250,
            pageSize: 50,
            heartbeatTimeoutMs: 2000,
          },
        ],
      },
    );
    // Kill it once a few batches are done, while the rest are still to come.
    let progress: DatasetProgress | undefined;
    for (let i = 0; i < 1500; i += 1) {
      progress = await handle.query(datasetProgressQuery);
      if (progress.batches >= 3 || !['resolving', 'reading'].includes(progress.stage)) break;
      await sleep(20);
    }
    expect(progress?.stage).toBe('reading');
    first.kill('SIGKILL');
    await exited(first);
    const doneBeforeCrash = progress?.batches ?? 0;

    // Another machine: its work folder is empty, so it takes the view state from MLflow.
    await workers.start(path.join(scratch, 'worker-2'));
    const result = await handle.result();

    const log: LogEvent[] = [];
    for await (const batch of readLogUntil(db.store, { cut })) log.push(...batch.events);
    const expected = expectedDatasetDigest(workOrderOverrunView, log);
    expect(result.digest).toBe(expected);
    expect(result.manifest.events).toBe(log.length);

    // Each batch was scheduled once; only the batch in flight at the crash may have retried.
    const history = await handle.fetchHistory();
    const scheduled = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'generateDatasetBatch',
    );
    const batches = scheduled.map(
      (e) =>
        (
          JSON.parse(
            Buffer.from(
              e.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data ?? [],
            ).toString(),
          ) as { batch: number }
        ).batch,
    );
    expect(batches).toEqual(batches.map((_, i) => i + 1));
    expect(batches.length).toBeGreaterThan(doneBeforeCrash);
    const retried = (history.events ?? []).filter(
      (e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1,
    );
    expect(retried.length).toBeLessThanOrEqual(1);
  });
});

describe('MLflow unreachable', () => {
  it('is retried as a transient failure, then fails the workflow, with nothing registered', async () => {
    const unreachable = createMlflowClient({
      trackingUri: `http://127.0.0.1:${await freePort()}`,
      retry: { attempts: 1 },
    });
    const before = await db.snapshot();
    const queue = uniqueId('no-mlflow');
    await temporal.startWorker({ mlflow: unreachable }, queue);
    const handle = await temporal.client.workflow.start<typeof DatasetWorkflow>(
      WORKFLOW_TYPES.DatasetWorkflow,
      {
        taskQueue: queue,
        workflowId: uniqueId('dataset-no-mlflow'),
        args: [{ view: 'work_order_overrun', activityAttempts: 2 }],
      },
    );
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = applicationFailureOf(error);
    expect(cause).toMatchObject({ type: 'MLFLOW_TEMPORARILY_UNAVAILABLE', nonRetryable: false });
    expect(cause?.message).toMatch(/MLflow unreachable/);
    // Retried: the activity that opens the run failed on its second attempt.
    const events = (await handle.fetchHistory()).events ?? [];
    const attempts = events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
    expect(Math.max(...attempts)).toBe(2);
    // Nothing appended: no DatasetGenerated, no other event.
    expect(await db.snapshot()).toBe(before);
  });
});

describe('hindsight worker', () => {
  it('exits 69 naming the address when Temporal is unreachable', async () => {
    const result = await hindsight(['worker'], {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: '127.0.0.1:9',
      MLFLOW_TRACKING_URI: inject('mlflowUri'),
    });
    expect(result.code).toBe(69);
    expect(result.stderr).toContain('Temporal at 127.0.0.1:9 is unreachable');
  });
});
