// Histories recorded from released workflow code, kept in test/fixtures/histories/, must replay
// without determinism errors against today's code: a change that breaks a running workflow
// fails here, and needs `patched()`. RECORD_HISTORIES=1 records them afresh from live runs.
import { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { generateDemoEvents } from '../../demo/workOrders.js';
import type { DatasetWorkflowInput } from '../../workflows/datasetInput.js';
import type { DatasetWorkflowResult } from '../../workflows/datasetWorkflow.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';

const HISTORIES = path.resolve('test/fixtures/histories');
const recording = process.env.RECORD_HISTORIES === '1';

describe.runIf(recording)('recording workflow histories', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await createTestTemporal(db);
    await temporal.startWorker();
    for (const { streamId, event } of generateDemoEvents({ seed: 4, workOrders: 60 })) {
      await db.store.append(streamId, [event]);
    }
  });
  afterAll(async () => {
    await temporal.close();
    await db.drop();
  });

  it('records DatasetWorkflow over several batches', async () => {
    const handle = await temporal.client.workflow.start<
      (input: DatasetWorkflowInput) => Promise<DatasetWorkflowResult>
    >('DatasetWorkflow', {
      taskQueue: temporal.taskQueue,
      workflowId: uniqueId('dataset-recorded'),
      args: [{ view: 'work_order_overrun', eventsPerBatch: 150, pageSize: 50 }],
    });
    await handle.result();
    await mkdir(HISTORIES, { recursive: true });
    await writeFile(
      path.join(HISTORIES, 'DatasetWorkflow.batches.json'),
      historyToJSON(await handle.fetchHistory()),
    );
  });
});

describe('replaying recorded workflow histories', () => {
  it('replays every recorded history without a determinism error', async () => {
    const files = (await readdir(HISTORIES)).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const history: unknown = JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8'));
      await expect(
        Worker.runReplayHistory(
          { workflowBundle: { codePath: inject('workflowBundlePath') } },
          history,
          file,
        ),
        file,
      ).resolves.toBeUndefined();
    }
  });
});
