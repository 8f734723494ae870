// Short activities have short timeouts: a worker killed inside `openDatasetRun` (a few MLflow
// calls) delays the dataset by its 30 s start-to-close timeout, then another worker goes on. It
// stalled the pipeline for the whole 2 minutes before. The first worker reaches MLflow through a
// proxy that holds its run search or creation unanswered, so it dies at a known point.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeTimeoutType } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { generateDemoEvents } from '../../demo/workOrders.js';
import type { DatasetWorkflow } from '../../workflows/datasetWorkflow.js';
import { datasetProgressQuery } from '../../workflows/messages.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startStallingProxy, type StallingProxy } from '../support/stallingProxy.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';
import { waitFor } from '../support/wait.js';
import { exited, startWorkerProcess } from '../support/workerProcess.js';
import type { ChildProcess } from 'node:child_process';

/** The 30 s timeout, the 1 s retry and a loaded machine's slack; the old timeout was 120 s. */
const RESUMED_WITHIN_MS = 60_000;

let db: TestDatabase;
let temporal: TestTemporal;
let scratch: string;
let proxy: StallingProxy;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  scratch = await mkdtemp(path.join(tmpdir(), 'hindsight-short-crash-'));
  for (const { streamId, event } of generateDemoEvents({ seed: 3, workOrders: 60 })) {
    await db.store.append(streamId, [event]);
  }
  proxy = await startStallingProxy(
    inject('mlflowUri'),
    (method, url) => method === 'POST' && /\/runs\/(search|create)$/.test(url),
  );
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await Promise.all(workers.map(exited));
  await proxy?.close();
  await temporal?.close();
  await db?.drop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a worker killed inside a short activity', () => {
  it('delays the dataset by seconds: another worker opens the run and finishes', async () => {
    const start = (workDir: string, mlflowUri: string) =>
      startWorkerProcess(db.url, temporal.taskQueue, path.join(scratch, workDir), {
        MLFLOW_TRACKING_URI: mlflowUri,
      }).then((worker) => (workers.push(worker), worker));
    const first = await start('worker-1', proxy.url);
    const handle = await temporal.client.workflow.start<typeof DatasetWorkflow>(
      WORKFLOW_TYPES.DatasetWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('dataset-short-crash'),
        args: [{ view: 'work_order_overrun' }],
      },
    );

    // The first worker is inside openDatasetRun, waiting on MLflow: kill it there.
    await proxy.stalled;
    first.kill('SIGKILL');
    await exited(first);
    await start('worker-2', inject('mlflowUri'));

    await waitFor(
      async () => (await handle.query(datasetProgressQuery)).runId !== null,
      RESUMED_WITHIN_MS,
      'another worker to open the dataset run (the old timeout took 120 s)',
    );

    const result = await handle.result();
    expect(result.digest).toMatch(/^[0-9a-f]{64}$/);
    // Scheduled once; its second attempt started after the first timed out (start to close).
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'openDatasetRun',
    );
    const started = events.find(
      (e) =>
        e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() ===
        scheduled?.eventId?.toString(),
    )?.activityTaskStartedEventAttributes;
    expect(started?.attempt).toBe(2);
    expect(started?.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
      encodeTimeoutType('START_TO_CLOSE'),
    );
  }, 240_000);
});
