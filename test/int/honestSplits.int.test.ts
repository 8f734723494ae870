// A dataset is exactly what was trained on (issue 19, findings 2, 3, 5 and 6): the split is part
// of the dataset's identity, each stage gets the exact dataset the previous one published, the
// champion is never judged on rows it trained on, a backdated event never puts a row in train,
// and an unchanged dataset and trainer configuration registers no second version. Real
// Temporal, MLflow and PostgreSQL, on the demo's log.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDb, type DuckDb } from '../../activities/datasets/parquet.js';
import { currentChampion } from '../../platform/modelRegistry.js';
import { MODEL_TAGS, parsePositionTag } from '../../platform/modelRegistry.js';
import { generateDemoEvents } from '../../demo/workOrders.js';
import { comparePositions, type Position } from '../../eventstore/types.js';
import type { DatasetWorkflowInput } from '../../workflows/datasetInput.js';
import type { DatasetWorkflow, DatasetWorkflowResult } from '../../workflows/datasetWorkflow.js';
import type { PipelineInput } from '../../workflows/pipelineInput.js';
import type { RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { createTestTemporal, uniqueId, type TestTemporal } from '../support/temporal.js';

const VIEW = 'work_order_overrun';
const DAY = 86_400_000;
/** Rules that promote any challenger not worse than the reference: these tests are about rows. */
const LENIENT = { minAbsoluteGain: 0, guards: [], minValidationRows: 1, significance: null };

let db: TestDatabase;
let temporal: TestTemporal;
let duck: DuckDb;
let scratch: string;
const modelName = `honest-${Date.now().toString(36)}`;

const appendDemo = async (seed: number, workOrders: number, start?: number): Promise<void> => {
  for (const { streamId, event } of generateDemoEvents({ seed, workOrders, start })) {
    await db.store.append(streamId, [event]);
  }
};

const runPipeline = (input: Omit<PipelineInput, 'view'>) =>
  temporal.client.workflow.execute<typeof RetrainingPipeline>(WORKFLOW_TYPES.RetrainingPipeline, {
    taskQueue: temporal.taskQueue,
    workflowId: uniqueId('pipeline'),
    args: [{ view: VIEW, modelName, rules: LENIENT, ...input }],
    workflowExecutionTimeout: '10 minutes',
  });

const runDataset = (input: Omit<DatasetWorkflowInput, 'view'>) =>
  temporal.client.workflow.execute<typeof DatasetWorkflow>(WORKFLOW_TYPES.DatasetWorkflow, {
    taskQueue: temporal.taskQueue,
    workflowId: uniqueId('dataset'),
    args: [{ view: VIEW, ...input }],
    workflowExecutionTimeout: '10 minutes',
  });

interface PublishedRow {
  entityId: string;
  position: Position;
  observedAt: number;
  split: string;
  label: number | null;
}

/** The rows of a published dataset as its Parquet file holds them. */
const publishedRows = async (dataset: DatasetWorkflowResult): Promise<PublishedRow[]> => {
  const file = path.join(scratch, `${dataset.runId}.parquet`);
  await temporal.mlflow.downloadArtifactToFile({
    runId: dataset.runId,
    path: dataset.manifest.file.path,
    filePath: file,
  });
  const reader = await duck.connection.runAndReadAll(
    `select entity_id, transaction_id, global_position, observed_at, split, label
       from read_parquet('${file}')`,
  );
  return reader
    .getRows()
    .map(([entityId, transactionId, globalPosition, observedAt, split, label]) => ({
      entityId: String(entityId),
      position: { transactionId: Number(transactionId), globalPosition: Number(globalPosition) },
      observedAt: Number(observedAt),
      split: String(split),
      label: label === null ? null : Number(label),
    }));
};

/** What a training run logged of the rows it fitted. */
const trainRowsLogged = async (runId: string): Promise<number | undefined> =>
  (await temporal.mlflow.getRun(runId)).metrics.find((m) => m.key === 'train_rows')?.value;

const versionCount = async (): Promise<number> =>
  (await temporal.mlflow.searchModelVersions({ filter: `name = '${modelName}'` })).items.length;

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  scratch = await mkdtemp(path.join(tmpdir(), 'hindsight-honest-'));
  duck = await openDuckDb(scratch);
  await temporal.startWorker();
  await appendDemo(41, 450);
});

afterAll(async () => {
  duck.close();
  await temporal.close();
  await db.drop();
  await rm(scratch, { recursive: true, force: true });
});

describe('a dataset is exactly what was trained on', () => {
  let halfDigest: string;

  it('trains and evaluates on the split the pipeline asked for (finding 2, first scenario)', async () => {
    const result = await runPipeline({ validationFraction: 0.5, testFraction: 0.2 });
    expect(result.status).toBe('completed');
    const { manifest } = result.dataset as DatasetWorkflowResult;
    halfDigest = manifest.digest;
    expect(manifest.split).toMatchObject({ validationFraction: 0.5, testFraction: 0.2 });
    const [trained] = result.trained;
    expect(trained?.trainRows).toBe(manifest.split.train);
    expect(await trainRowsLogged(trained?.runId ?? '')).toBe(manifest.split.train);
    const evaluation = result.progress.evaluation;
    expect(evaluation?.validationRows).toBe(manifest.split.validation);
    expect(evaluation?.decisionWindow).toBe('test');
    expect((evaluation?.decisionRows ?? 0) + (evaluation?.excludedRows ?? 0)).toBe(
      manifest.split.test,
    );
    // The version names the very dataset run it learnt from.
    const version = await temporal.mlflow.getModelVersion({
      name: modelName,
      version: trained?.version ?? '',
    });
    expect(version.tags[MODEL_TAGS.datasetRunId]).toBe(result.dataset?.runId);
    expect(version.tags[MODEL_TAGS.datasetDigest]).toBe(manifest.digest);
    expect(parsePositionTag(version.tags[MODEL_TAGS.trainedBefore])).toEqual(
      manifest.split.validationFrom,
    );
    expect(result.promotion?.outcome).toBe('promoted');
  });

  it('gives the same rows split another way another digest, and trains on its own (second scenario)', async () => {
    // A dataset generated by hand with the pipeline's earlier split: the same dataset again.
    const byHand = await runDataset({ validationFraction: 0.5, testFraction: 0.2 });
    expect(byHand.digest).toBe(halfDigest);
    // The default split over the same rows is another dataset, and the pipeline learns from it.
    const result = await runPipeline({});
    expect(result.status).toBe('completed');
    const { manifest } = result.dataset as DatasetWorkflowResult;
    expect(manifest.digest).not.toBe(halfDigest);
    expect(manifest.rows).toBe(byHand.manifest.rows);
    expect(manifest.split).toMatchObject({ validationFraction: 0.2, testFraction: 0.2 });
    expect(result.trained[0]?.trainRows).toBe(manifest.split.train);
    expect(result.progress.evaluation?.validationRows).toBe(manifest.split.validation);
  });

  it('never scores the champion on rows it trained on (finding 3)', async () => {
    // A champion that trained on 80% of the rows...
    const wide = await runPipeline({ validationFraction: 0.1, testFraction: 0.1 });
    const champion = wide.trained[0]?.version ?? '';
    await temporal.mlflow.setModelAlias({ name: modelName, alias: 'champion', version: champion });
    const trainedBefore = parsePositionTag(
      (await temporal.mlflow.getModelVersion({ name: modelName, version: champion })).tags[
        MODEL_TAGS.trainedBefore
      ],
    ) as Position;
    // ...against a challenger whose test window starts at 70%: a third of it is the champion's.
    const result = await runPipeline({ validationFraction: 0.2, testFraction: 0.3 });
    const evaluation = result.progress.evaluation;
    expect(evaluation?.champion?.version).toBe(champion);
    const test = (await publishedRows(result.dataset as DatasetWorkflowResult)).filter(
      (row) => row.split === 'test',
    );
    const unseen = test.filter((row) => comparePositions(row.position, trainedBefore) >= 0);
    expect(unseen.length).toBeGreaterThan(0);
    expect(unseen.length).toBeLessThan(test.length);
    expect(evaluation?.decisionRows).toBe(unseen.length);
    expect(evaluation?.excludedRows).toBe(test.length - unseen.length);
  });

  it('registers no second version for an unchanged dataset and trainer config, even forced (finding 6)', async () => {
    const before = await versionCount();
    const champion = await currentChampion(temporal.mlflow, modelName);
    const again = await runPipeline({ validationFraction: 0.2, testFraction: 0.3, force: true });
    expect(again.status).toBe('completed');
    expect(again.trained[0]?.reused).toBe(true);
    expect(await versionCount()).toBe(before);
    // A trainer configuration not trained on this dataset yet is trained.
    const other = await runPipeline({
      validationFraction: 0.2,
      testFraction: 0.3,
      force: true,
      trainers: [{ name: 'logistic_regression', params: { l2: 3 } }],
    });
    expect(other.trained[0]?.reused).toBeUndefined();
    expect(await versionCount()).toBe(before + 1);
    expect(champion).not.toBeNull();
  });
});

describe('one clock', () => {
  it('puts a backdated event in the newest window, never in train (finding 5)', async () => {
    const now = Date.UTC(2027, 0, 1);
    // An order whose work is logged, and completed, with business times months in the past:
    // committed last, it comes after every other event in the log's order.
    const id = 'WO-BACKDATED';
    const stream = `workorder-${id}`;
    const long = now - 400 * DAY;
    await db.store.append(stream, [
      {
        type: 'WorkOrderCreated',
        data: {
          workOrderId: id,
          priority: 'low',
          estimatedHours: 4,
          dueAt: new Date(long + 14 * DAY).toISOString(),
        },
        occurredAt: long,
      },
      {
        type: 'WorkOrderAssigned',
        data: { workOrderId: id, technicianId: 'T01' },
        occurredAt: long + DAY,
      },
    ]);
    await db.store.append(stream, [
      {
        type: 'WorkOrderCompleted',
        data: { workOrderId: id, actualHours: 4, late: false },
        occurredAt: long + 2 * DAY,
      },
    ]);
    const dataset = await runDataset({});
    const rows = await publishedRows(dataset);
    const { validationFrom } = dataset.manifest.split;
    const backdated = rows.filter((row) => row.entityId === id);
    expect(backdated.length).toBeGreaterThan(0);
    for (const row of backdated) expect(row.split).toBe('test');
    // Whatever its business time: a train row saw only events before the validation window.
    for (const row of rows.filter((r) => r.split === 'train')) {
      expect(comparePositions(row.position, validationFrom as Position)).toBeLessThan(0);
    }
    // By business time it would have been among the oldest rows of all.
    const trainTimes = rows.filter((r) => r.split === 'train').map((r) => r.observedAt);
    expect(backdated[0]?.observedAt).toBeLessThan(Math.max(...trainTimes));
  });
});
