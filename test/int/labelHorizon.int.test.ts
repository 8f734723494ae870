// Labels have a horizon (issue 19, finding 4): the demo's view declares that an order still open
// 14 days after an observation is late. Cut the demo's history midway: the dataset keeps the
// rows not yet mature out of both windows and says how many, and the positive rate of each
// window is the rate those observations turn out to have once the whole history is known,
// within sampling error.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDb, type DuckDb } from '../../activities/datasets/parquet.js';
import { recordDemoLog } from '../../demo/demoLog.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { generateDemoHistory } from '../../demo/workOrders.js';
import { runFeatureView } from '../../ml/featureRun.js';
import type { DatasetWorkflow, DatasetWorkflowResult } from '../../workflows/datasetWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';

const DAY = 86_400_000;
let db: TestDatabase;
let temporal: TestTemporal;
let duck: DuckDb;
let scratch: string;

const history = generateDemoHistory({ seed: 57, workOrders: 900 });
const times = history.map(({ event }) => event.occurredAt as number);
/** The cut: three quarters of the way through the history's business time. */
const cutTime = Math.min(...times) + 0.75 * (Math.max(...times) - Math.min(...times));
/** The log's clock at the cut: the newest business time appended. */
const clock = Math.max(...times.filter((time) => time <= cutTime));
/** What the rows turn out to be once every outcome is known: the view over the whole history. */
const eventual = new Map(
  runFeatureView(workOrderOverrunView, recordDemoLog(history)).map((row) => [
    `${row.entityId}@${row.observedAt}`,
    row,
  ]),
);

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  scratch = await mkdtemp(path.join(tmpdir(), 'hindsight-horizon-'));
  duck = await openDuckDb(scratch);
  await temporal.startWorker();
  for (const { streamId, event } of history) {
    if ((event.occurredAt as number) <= cutTime) await db.store.append(streamId, [event]);
  }
});

afterAll(async () => {
  duck.close();
  await temporal.close();
  await db.drop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a label horizon', () => {
  let dataset: DatasetWorkflowResult;
  let rows: { key: string; observedAt: number; split: string; label: number | null }[];

  beforeAll(async () => {
    dataset = await temporal.client.workflow.execute<typeof DatasetWorkflow>(
      WORKFLOW_TYPES.DatasetWorkflow,
      {
        taskQueue: temporal.taskQueue,
        workflowId: uniqueId('dataset'),
        args: [{ view: 'work_order_overrun' }],
        workflowExecutionTimeout: '10 minutes',
      },
    );
    const file = path.join(scratch, 'dataset.parquet');
    await temporal.mlflow.downloadArtifactToFile({
      runId: dataset.runId,
      path: dataset.manifest.file.path,
      filePath: file,
    });
    const reader = await duck.connection.runAndReadAll(
      `select entity_id, observed_at, split, label from read_parquet('${file}')`,
    );
    rows = reader.getRows().map(([entityId, observedAt, split, label]) => ({
      key: `${String(entityId)}@${Number(observedAt)}`,
      observedAt: Number(observedAt),
      split: String(split),
      label: label === null ? null : Number(label),
    }));
  });

  it('keeps the rows not mature at the cut out of every window, and says so', async () => {
    const { split } = dataset.manifest;
    expect(split.labelHorizon).toEqual({ within: 14 * DAY, otherwise: 1 });
    expect(split.clock).toBe(clock);
    const immature = rows.filter((row) => row.split === 'immature');
    expect(immature.length).toBe(split.immature);
    expect(split.immature).toBeGreaterThan(50);
    // Exactly the rows observed in the last 14 days before the log's clock.
    for (const row of rows) {
      expect(row.split === 'immature').toBe(row.observedAt + 14 * DAY >= clock);
    }
    // Some of them have their outcome already: the fast ones, which are not representative.
    expect(immature.some((row) => row.label !== null)).toBe(true);
    const run = await temporal.mlflow.getRun(dataset.runId);
    const metric = (key: string) => run.metrics.find((m) => m.key === key)?.value;
    expect(metric('immature_rows')).toBe(split.immature);
    expect(metric('test_rows')).toBe(split.test);
    expect(metric('log_clock')).toBe(clock);
    expect(run.params.label_within_ms).toBe(String(14 * DAY));
  });

  it('gives each window the positive rate its period turns out to have', () => {
    for (const window of ['validation', 'test']) {
      const inWindow = rows.filter((row) => row.split === window);
      const n = inWindow.length;
      expect(n).toBeGreaterThan(150);
      const rate = inWindow.filter((row) => row.label === 1).length / n;
      // Every observation of the window's period, as the whole history labels it.
      const from = Math.min(...inWindow.map((row) => row.observedAt));
      const until = Math.max(...inWindow.map((row) => row.observedAt));
      const period = [...eventual.values()].filter(
        (row) => row.observedAt >= from && row.observedAt <= until && row.label !== null,
      );
      const truth = period.filter((row) => row.label === 1).length / period.length;
      const standardError = Math.sqrt((truth * (1 - truth)) / n);
      expect(Math.abs(rate - truth)).toBeLessThan(3 * standardError);
      // Row by row, a mature row's label is its final one.
      for (const row of inWindow) expect(eventual.get(row.key)?.label).toBe(row.label);
    }
  });
});
