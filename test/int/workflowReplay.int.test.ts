// Histories recorded from released workflow code, kept in test/fixtures/histories/, must replay
// without determinism errors against today's code: a change that breaks a running workflow
// fails here, and needs `patched()`. RECORD_HISTORIES=1 records them afresh from live runs.
import { Worker } from '@temporalio/worker';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { generateDemoEvents } from '../../demo/workOrders.js';
import type { BatchScoringWorkflow } from '../../workflows/batchScoringWorkflow.js';
import type { DatasetWorkflow } from '../../workflows/datasetWorkflow.js';
import type { LiveEvaluationWorkflow } from '../../workflows/liveEvaluationWorkflow.js';
import {
  approveUpdate,
  liveEvaluationStatusQuery,
  migrationProgressQuery,
  promotionStatusQuery,
  resumeMigrationSignal,
  stopLiveEvaluationSignal,
} from '../../workflows/messages.js';
import type { PromotionWorkflow } from '../../workflows/promotionWorkflow.js';
import type { RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import type { SnapshotWorkflow } from '../../workflows/snapshotWorkflow.js';
import type { UndoMigrationWorkflow } from '../../workflows/undoMigrationWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import {
  demoUpcasters,
  workOrderBlockedV1ToV2,
} from '../../examples/work-orders/src/demoUpcasters.js';
import { createEventStore } from '../../eventstore/eventStore.js';
import { createClient } from '../../eventstore/pool.js';
import { defineUpcasters } from '../../eventstore/upcasting/upcasters.js';
import type { UpcastMigrationWorkflow } from '../../workflows/upcastMigrationWorkflow.js';
import { startServingStack, type ServingStack } from '../support/servingStack.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';
import { sleep } from '../support/wait.js';

const HISTORIES = path.resolve('test/fixtures/histories');
/** The workflow id of each recorded history: child workflow ids derive from it. */
const INDEX = path.join(HISTORIES, 'workflow-ids.json');

const record = async (
  file: string,
  handle: { workflowId: string; fetchHistory: () => Promise<History> },
) => {
  await mkdir(HISTORIES, { recursive: true });
  await writeFile(path.join(HISTORIES, file), historyToJSON(await handle.fetchHistory()));
  const index = JSON.parse(await readFile(INDEX, 'utf8').catch(() => '{}')) as Record<
    string,
    string
  >;
  index[file] = handle.workflowId;
  await writeFile(INDEX, `${JSON.stringify(index, null, 2)}\n`);
};
const recording = process.env.RECORD_HISTORIES === '1';

describe.runIf(recording)('recording workflow histories', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;

  beforeAll(async () => {
    db = await createTestDatabase();
    temporal = await createTestTemporal(db);
    await temporal.startWorker();
    for (const { streamId, event } of generateDemoEvents({ seed: 4, workOrders: 150 })) {
      await db.store.append(streamId, [event]);
    }
  });
  afterAll(async () => {
    await temporal.close();
    await db.drop();
  });

  it('records DatasetWorkflow over several batches', async () => {
    const handle = await temporal.client.workflow.start<typeof DatasetWorkflow>(
      WORKFLOW_TYPES.DatasetWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('dataset-recorded'),
        args: [{ view: 'work_order_overrun', eventsPerBatch: 150, pageSize: 50 }],
      },
    );
    await handle.result();
    await record('DatasetWorkflow.batches.json', handle);
  });

  it('records RetrainingPipeline and its PromotionWorkflow through an approval', async () => {
    const workflowId = uniqueId('pipeline-recorded');
    const handle = await temporal.client.workflow.start<typeof RetrainingPipeline>(
      WORKFLOW_TYPES.RetrainingPipeline,
      {
        taskQueue: temporal.taskQueue,
        workflowId,
        args: [
          {
            view: 'work_order_overrun',
            modelName: uniqueId('recorded'),
            trainers: [
              { name: 'logistic_regression' },
              { name: 'random_forest', params: { trees: 5 } },
            ],
            rules: { minValidationRows: 10 },
            approval: 'required',
          },
        ],
      },
    );
    const promotion = temporal.client.workflow.getHandle<typeof PromotionWorkflow>(
      `${workflowId}/promotion`,
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const stage = await promotion
        .query(promotionStatusQuery)
        .then((status) => status.stage)
        .catch(() => 'not started');
      if (stage === 'awaiting_approval') break;
      if (Date.now() > deadline)
        throw new Error(`the promotion did not wait for approval (${stage})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await promotion.executeUpdate(approveUpdate, {
      args: [{ reviewer: 'ada', reason: 'recorded' }],
    });
    await handle.result();
    await record('RetrainingPipeline.approved.json', handle);
    await record('PromotionWorkflow.approved.json', promotion);
  });
});

describe.runIf(recording)('recording operations workflow histories', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;

  beforeAll(async () => {
    db = await createTestDatabase({ upcasters: demoUpcasters() });
    temporal = await createTestTemporal(db);
    for (const { streamId, event } of generateDemoEvents({ seed: 5, workOrders: 120 })) {
      await db.store.append(streamId, [event]);
    }
  });
  afterAll(async () => {
    await temporal.close();
    await db.drop();
  });

  it('records UpcastMigrationWorkflow blocked by a failing upcaster, resumed, then undone', async () => {
    const { rows } = await db.pool.query<{ event_id: string }>(
      `select event_id::text from hindsight.events where event_type = 'WorkOrderBlocked'
        order by tx_id, global_position offset 7 limit 1`,
    );
    const poisoned = rows[0]?.event_id;
    const failing = defineUpcasters({
      WorkOrderBlocked: {
        1: (data, event) => {
          if (event.eventId === poisoned) throw new Error('no reason code for this one');
          return workOrderBlockedV1ToV2(data);
        },
      },
    });
    const badStore = createEventStore({
      pool: db.pool,
      listenClient: () => createClient(db.url, 'replay-recording'),
      upcasters: failing,
    });
    const bad = await temporal.startWorker({ store: badStore });
    const migrationId = uniqueId('migration-recorded');
    const handle = await temporal.client.workflow.start<typeof UpcastMigrationWorkflow>(
      WORKFLOW_TYPES.UpcastMigrationWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId: migrationId,
        args: [{ eventType: 'WorkOrderBlocked', toVersion: 2, batchSize: 3 }],
      },
    );
    const deadline = Date.now() + 60_000;
    while ((await handle.query(migrationProgressQuery)).stage !== 'blocked') {
      if (Date.now() > deadline) throw new Error('the migration did not block');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    bad.shutdown();
    await temporal.startWorker();
    await handle.signal(resumeMigrationSignal);
    await handle.result();
    await record('UpcastMigrationWorkflow.resumed.json', handle);
    await badStore.close();

    const undo = await temporal.client.workflow.start<typeof UndoMigrationWorkflow>(
      WORKFLOW_TYPES.UndoMigrationWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('undo-recorded'),
        args: [{ migrationId, batchSize: 5 }],
      },
    );
    await undo.result();
    await record('UndoMigrationWorkflow.json', undo);
  });

  it('records SnapshotWorkflow', async () => {
    const handle = await temporal.client.workflow.start<typeof SnapshotWorkflow>(
      WORKFLOW_TYPES.SnapshotWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('snapshots-recorded'),
        args: [{ pageSize: 7 }],
      },
    );
    await handle.result();
    await record('SnapshotWorkflow.json', handle);
  });
});

describe.runIf(recording)('recording serving workflow histories', () => {
  let stack: ServingStack;

  beforeAll(async () => {
    stack = await startServingStack({ prefix: 'replay', demo: { seed: 4, workOrders: 400 } });
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('records BatchScoringWorkflow', async () => {
    const handle = await stack.temporal.client.workflow.start<typeof BatchScoringWorkflow>(
      WORKFLOW_TYPES.BatchScoringWorkflow,
      {
        taskQueue: stack.temporal.taskQueue,
        workflowId: uniqueId('scoring-recorded'),
        args: [{ modelName: stack.modelName, maxEntities: 20 }],
      },
    );
    await handle.result();
    await record('BatchScoringWorkflow.json', handle);
  });

  it('records LiveEvaluationWorkflow over a few windows, then stopped', async () => {
    for (const entityId of stack.open) await stack.predict({ entityId });
    const handle = await stack.temporal.client.workflow.start<typeof LiveEvaluationWorkflow>(
      WORKFLOW_TYPES.LiveEvaluationWorkflow,
      {
        taskQueue: stack.temporal.taskQueue,
        workflowId: uniqueId('live-recorded'),
        args: [
          {
            modelName: stack.modelName,
            view: 'work_order_overrun',
            windowMs: 1000,
            labelHorizonMs: 2000,
            graceMs: 100,
            pollMs: 200,
            eventsPerAdvance: 500,
          },
        ],
      },
    );
    await stack.appendUntil(Infinity);
    for (;;) {
      const status = await handle.query(liveEvaluationStatusQuery);
      if (status.totals.windows >= 2) break;
      await sleep(300);
    }
    await handle.signal(stopLiveEvaluationSignal);
    await handle.result();
    await record('LiveEvaluationWorkflow.stopped.json', handle);
  }, 120_000);
});

describe('replaying recorded workflow histories', () => {
  it('replays every recorded history without a determinism error', async () => {
    const index = JSON.parse(await readFile(INDEX, 'utf8')) as Record<string, string>;
    const files = (await readdir(HISTORIES)).filter(
      (file) => file.endsWith('.json') && file !== path.basename(INDEX),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const history: unknown = JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8'));
      await expect(
        Worker.runReplayHistory(
          { workflowBundle: { codePath: inject('workflowBundlePath') } },
          history,
          index[file],
        ),
        file,
      ).resolves.toBeUndefined();
    }
  });
});
