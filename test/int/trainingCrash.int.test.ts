// A worker process killed (SIGKILL) while it trains: another worker takes the training over
// after the heartbeat timeout, and the pipeline ends with exactly one model version for that
// training — the retry finds its MLflow run again and registers no duplicate.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoEvents } from '../../demo/workOrders.js';
import { pipelineProgressQuery } from '../../workflows/messages.js';
import type { PipelineProgress, RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';
import { sleep } from '../support/wait.js';
import { createWorkerFleet, exited } from '../support/workerProcess.js';

let db: TestDatabase;
let temporal: TestTemporal;
let scratch: string;
const workers = createWorkerFleet(
  () => db.url,
  () => temporal.taskQueue,
  { HINDSIGHT_GIT_COMMIT: 'crash-test' },
);

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  scratch = await mkdtemp(path.join(tmpdir(), 'hindsight-training-crash-'));
  for (const { streamId, event } of generateDemoEvents({ seed: 12, workOrders: 400 })) {
    await db.store.append(streamId, [event]);
  }
});

afterAll(async () => {
  await workers.killAll();
  await temporal.close();
  await db.drop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a worker killed during training', () => {
  it('is replaced, and the pipeline registers exactly one version for the training', async () => {
    const first = await workers.start(path.join(scratch, 'worker-1'));
    const modelName = uniqueId('crash');
    const handle = await temporal.client.workflow.start<typeof RetrainingPipeline>(
      WORKFLOW_TYPES.RetrainingPipeline,
      {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('pipeline-crash'),
        // A forest big enough to take seconds to grow: the kill lands mid-training.
        args: [
          {
            view: 'work_order_overrun',
            modelName,
            trainers: [{ name: 'random_forest', params: { trees: 40, maxSamples: 1000 } }],
          },
        ],
      },
    );
    let progress: PipelineProgress | undefined;
    for (let i = 0; i < 600 && progress?.stage !== 'training'; i += 1) {
      progress = await handle.query(pipelineProgressQuery);
      await sleep(50);
    }
    expect(progress?.stage).toBe('training');
    await sleep(1500);
    first.kill('SIGKILL');
    await exited(first);

    await workers.start(path.join(scratch, 'worker-2'));
    const result = await handle.result();
    expect(result.status).toBe('completed');
    expect(result.trained).toHaveLength(1);

    const { items } = await temporal.mlflow.searchModelVersions({
      filter: `name = '${modelName}'`,
    });
    expect(items.map((v) => v.version)).toEqual([result.trained[0]?.version]);
    // The training attempt that died was retried, not scheduled again.
    const events = (await handle.fetchHistory()).events ?? [];
    const trainings = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'trainModel',
    );
    expect(trainings).toHaveLength(1);
    const attempts = events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
  });
});
