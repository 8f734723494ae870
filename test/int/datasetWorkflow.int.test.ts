// DatasetWorkflow on the real stack: the rows it publishes match the slow oracle row for row,
// a cut reproduces its digest after the log grows, nothing recorded after an observation
// reaches it, and MLflow holds the Parquet file, the manifest and the dataset input.
import { WorkflowFailedError } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowDigest } from '../../activities/datasets/datasetSource.js';
import { openDuckDb, type DuckDb } from '../../activities/datasets/parquet.js';
import { fetchPublishedDataset } from '../../activities/training/publishedDataset.js';
import { readDatasetSplits } from '../../activities/training/readSplits.js';
import { readLogUntil } from '../../activities/datasets/readLogUntil.js';
import { datasetStreamOf } from '../../platform/datasetEvents.js';
import { generateDemoHistory } from '../../demo/workOrders.js';
import {
  WORK_ORDER_OVERRUN_FEATURES,
  workOrderOverrunView,
} from '../../examples/work-orders/src/workOrderOverrunView.js';
import { createFeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { START, comparePositions, type Cut } from '../../eventstore/types.js';
import { compareObservations, compareRows } from '../../ml/dataset.js';
import type { DatasetManifest } from '../../ml/datasetManifest.js';
import { defineFeatureView, type FeatureRow, type LogEvent } from '../../ml/featureView.js';
import type { DatasetWorkflowInput } from '../../workflows/datasetInput.js';
import type { DatasetWorkflow, DatasetWorkflowResult } from '../../workflows/datasetWorkflow.js';
import { datasetProgressQuery } from '../../workflows/messages.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  applicationFailureOf,
  createTestTemporal,
  uniqueId,
  type TestTemporal,
} from '../support/temporal.js';
import { oracleRows } from '../unit/workOrderOverrunOracle.js';

const VIEW = 'work_order_overrun';
let db: TestDatabase;
let temporal: TestTemporal;
let scratch: string;
let duck: DuckDb;

const appendHistory = async (seed: number, workOrders: number): Promise<void> => {
  for (const { streamId, event } of generateDemoHistory({ seed, workOrders, technicians: 5 })) {
    await db.store.append(streamId, [event]);
  }
};

const logUntil = async (cut: Pick<Cut, 'transactionId'>): Promise<LogEvent[]> => {
  const events: LogEvent[] = [];
  for await (const batch of readLogUntil(db.store, { cut })) events.push(...batch.events);
  return events;
};

const generate = async (
  input: Omit<DatasetWorkflowInput, 'view'> & { view?: string },
): Promise<DatasetWorkflowResult> =>
  temporal.client.workflow.execute<typeof DatasetWorkflow>(WORKFLOW_TYPES.DatasetWorkflow, {
    taskQueue: temporal.taskQueue,
    workflowId: uniqueId('dataset'),
    args: [{ view: VIEW, ...input }],
    workflowExecutionTimeout: '5 minutes',
  });

/** The published Parquet file's rows, read by column name, in file order. */
const publishedRows = async (
  result: DatasetWorkflowResult,
): Promise<(FeatureRow & { split: string })[]> => {
  const file = path.join(scratch, `${result.runId}.parquet`);
  await temporal.mlflow.downloadArtifactToFile({
    runId: result.runId,
    path: result.manifest.file.path,
    filePath: file,
  });
  const reader = await duck.connection.runAndReadAll(`select * from read_parquet('${file}')`);
  const num = (value: unknown): number | null => (value === null ? null : Number(value));
  return reader.getRowObjects().map((r) => ({
    entityId: r.entity_id as string,
    observedAt: Number(r.observed_at),
    position: {
      transactionId: Number(r.transaction_id),
      globalPosition: Number(r.global_position),
    },
    features: Object.fromEntries(
      WORK_ORDER_OVERRUN_FEATURES.map((name) => [
        name,
        r[name] as number | string | boolean | null,
      ]),
    ),
    label: num(r.label) as 0 | 1 | null,
    labelPosition:
      r.label_transaction_id === null
        ? null
        : {
            transactionId: Number(r.label_transaction_id),
            globalPosition: Number(r.label_global_position),
          },
    labelledAt: num(r.labelled_at),
    split: r.split as string,
  }));
};

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  await temporal.startWorker();
  scratch = await mkdtemp(path.join(tmpdir(), 'hindsight-dataset-test-'));
  duck = await openDuckDb(scratch);
  await appendHistory(21, 250);
});

afterAll(async () => {
  duck.close();
  await temporal.close();
  await db.drop();
  await rm(scratch, { recursive: true, force: true });
});

let first: DatasetWorkflowResult;

describe('DatasetWorkflow', () => {
  beforeAll(async () => {
    first = await generate({ eventsPerBatch: 400, pageSize: 150 });
  });

  it('publishes the oracle’s rows, row for row, in the order they became final', async () => {
    const log = await logUntil(first.manifest.cut);
    expect(log.length).toBeGreaterThan(1500);
    const expected = oracleRows(log).sort(compareRows);
    expect(expected.length).toBeGreaterThan(300);
    expect((await publishedRows(first)).map(({ split: _split, ...row }) => row)).toEqual(expected);
    expect(first.manifest).toMatchObject({
      rows: expected.length,
      events: log.length,
      view: { name: VIEW, version: 1 },
    });
    expect(first.manifest.labelBalance.labelled).toBe(
      expected.filter((row) => row.label !== null).length,
    );
  });

  it('splits in commit order: train, then validation, then test, each window after the previous', async () => {
    const file = path.join(scratch, 'split.parquet');
    await temporal.mlflow.downloadArtifactToFile({
      runId: first.runId,
      path: first.manifest.file.path,
      filePath: file,
    });
    const reader = await duck.connection.runAndReadAll(
      `select split, count(*)::int, min(global_position)::int8, max(global_position)::int8
         from read_parquet('${file}') group by split order by split`,
    );
    const bySplit: Record<string, { n: number; min: number; max: number }> = Object.fromEntries(
      reader
        .getRows()
        .map(([split, n, min, max]) => [
          String(split),
          { n: Number(n), min: Number(min), max: Number(max) },
        ]),
    );
    const { split } = first.manifest;
    expect(bySplit.validation?.n).toBe(split.validation);
    expect(bySplit.train?.n).toBe(split.train);
    expect(bySplit.test?.n).toBe(split.test);
    expect(bySplit.validation?.min).toBe(split.validationFrom?.globalPosition);
    expect(bySplit.train?.max).toBeLessThan(split.validationFrom?.globalPosition ?? 0);
    expect(bySplit.test?.min).toBe(split.testFrom?.globalPosition);
    expect(bySplit.validation?.max).toBeLessThan(split.testFrom?.globalPosition ?? 0);
    const usable = split.train + split.validation + split.test + split.purged;
    expect(split.validation + split.test).toBeGreaterThan(0);
    expect(split.test / usable).toBeCloseTo(0.2, 1);
  });

  it('records the dataset in MLflow: input with digest and source, manifest, Parquet, lineage', async () => {
    const run = await temporal.mlflow.getRun(first.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.datasetInputs).toHaveLength(1);
    const [input] = run.datasetInputs;
    expect(input?.dataset).toMatchObject({
      name: `${VIEW}_v1`,
      digest: mlflowDigest(first.digest),
      // A source MLflow's `mlflow.data.get_source` knows: the Parquet file on the artifact route.
      sourceType: 'http',
    });
    const parquetUri = `${run.info.artifactUri}/${first.manifest.file.path}`;
    expect(JSON.parse(input?.dataset.source ?? '{}')).toEqual({
      url: `${temporal.mlflow.trackingUri}/api/2.0/mlflow-artifacts/artifacts/${parquetUri.slice('mlflow-artifacts:/'.length)}`,
      view: VIEW,
      version: 1,
      code_hash: first.manifest.view.codeHash,
      cut: first.manifest.cut.transactionId,
    });
    expect(JSON.parse(input?.dataset.profile ?? '{}')).toMatchObject({
      digest: first.digest,
      num_rows: first.manifest.rows,
      quarantined_events: 0,
      // Absolute: `mlflow.artifacts.download_artifacts(artifact_uri=...)` takes them as they are.
      parquet: parquetUri,
      manifest: `${run.info.artifactUri}/dataset/manifest.json`,
    });
    const source = JSON.parse(input?.dataset.source ?? '{}') as { url: string };
    const downloaded = Buffer.from(await (await fetch(source.url)).arrayBuffer());
    expect(createHash('sha256').update(downloaded).digest('hex')).toBe(first.manifest.file.sha256);
    // Every event was read: nothing quarantined, and MLflow says so.
    expect(first.manifest.quarantined).toBe(0);
    expect(run.metrics.find((m) => m.key === 'quarantined_events')?.value).toBe(0);
    expect(run.tags).toMatchObject({
      'hindsight.dataset_digest': first.digest,
      'hindsight.cut': String(first.manifest.cut.transactionId),
      'hindsight.view': VIEW,
      'hindsight.view_code_hash': first.manifest.view.codeHash,
      'mlflow.source.git.commit': 'test',
    });
    expect(run.tags['hindsight.workflow_id']).toMatch(/^dataset-/);
    const files = await temporal.mlflow.listArtifacts({ runId: first.runId, path: 'dataset' });
    expect(files.map((f) => f.path).sort()).toEqual([
      'dataset/manifest.json',
      `dataset/${VIEW}.parquet`,
    ]);
    // The batches' work files are gone once the dataset is published.
    expect(
      (await temporal.mlflow.listArtifacts({ runId: first.runId })).map((f) => f.path),
    ).toEqual(['dataset']);
    const manifest = JSON.parse(
      (
        await temporal.mlflow.downloadArtifact({
          runId: first.runId,
          path: 'dataset/manifest.json',
        })
      ).toString(),
    ) as DatasetManifest;
    expect(manifest).toEqual(first.manifest);
    expect(manifest.columns.find((c) => c.name === 'customer_tier')).toEqual({
      name: 'customer_tier',
      type: 'string',
      role: 'feature',
    });
  });

  it('appends DatasetGenerated to the platform’s stream', async () => {
    const slice = await db.store.readStream(datasetStreamOf(VIEW));
    const event = slice.events.find(
      (e) => (JSON.parse(e.data) as { digest?: string }).digest === first.digest,
    );
    expect(event?.type).toBe('DatasetGenerated');
    expect(JSON.parse(event?.data ?? '{}')).toMatchObject({
      digest: first.digest,
      rows: first.manifest.rows,
      cut: first.manifest.cut,
      mlflow: { runId: first.runId },
    });
    expect(first.record.streamId).toBe(datasetStreamOf(VIEW));
  });

  it('answers the progress query: done, every event read', async () => {
    const handle = temporal.client.workflow.getHandle<typeof DatasetWorkflow>(
      first.manifest.lineage.workflowId,
    );
    const progress = await handle.query(datasetProgressQuery);
    expect(progress).toMatchObject({
      stage: 'done',
      percent: 100,
      digest: first.digest,
      rows: first.manifest.rows,
      events: { read: first.manifest.events, total: first.manifest.events },
    });
    expect(progress.batches).toBeGreaterThan(2);
  });

  it('gives the same digest for the same cut after the log grew, with other batch sizes', async () => {
    await appendHistory(22, 30);
    const again = await generate({
      cut: first.manifest.cut.transactionId,
      eventsPerBatch: 100_000,
      pageSize: 5000,
    });
    expect(again.digest).toBe(first.digest);
    expect(again.manifest.rows).toBe(first.manifest.rows);
    const latest = await generate({});
    expect(latest.manifest.cut.transactionId).toBeGreaterThan(first.manifest.cut.transactionId);
    expect(latest.manifest.rows).toBeGreaterThan(first.manifest.rows);
  });

  it('never lets an event recorded after an observation change it (future canary)', async () => {
    // Orders opened and observed now, still open at the cut of `before`.
    const ids = ['WO-CANARY-1', 'WO-CANARY-2', 'WO-CANARY-3'];
    const now = Date.parse('2030-01-01T00:00:00Z');
    for (const id of ids) {
      await db.store.append(`workorder-${id}`, [
        {
          type: 'WorkOrderCreated',
          data: {
            workOrderId: id,
            customerId: 'C001',
            priority: 'high',
            estimatedHours: 4,
            dueAt: now + 86_400_000,
          },
          occurredAt: now,
        },
        {
          type: 'WorkOrderAssigned',
          data: { workOrderId: id, technicianId: 'T01' },
          occurredAt: now + 1000,
        },
      ]);
      await db.store.append(`workorder-${id}`, [
        { type: 'WorkLogged', data: { workOrderId: id, hours: 1 }, occurredAt: now + 2000 },
      ]);
    }
    const before = await generate({});
    const observed = (await publishedRows(before)).filter((row) => ids.includes(row.entityId));
    expect(observed).toHaveLength(2 * ids.length);
    expect(observed.every((row) => row.label === null)).toBe(true);
    // The canaries: extreme work, a block and a late completion, all after those observations;
    // a technician's record and a customer's tier change too.
    for (const id of ids) {
      await db.store.append(`workorder-${id}`, [
        { type: 'WorkLogged', data: { workOrderId: id, hours: 9999 }, occurredAt: now + 3000 },
        {
          type: 'WorkOrderBlocked',
          data: { workOrderId: id, reason: 'canary' },
          occurredAt: now + 4000,
        },
        {
          type: 'WorkOrderCompleted',
          data: { workOrderId: id, late: true },
          occurredAt: now + 5000,
        },
      ]);
    }
    await db.store.append('customer-C001', [
      {
        type: 'CustomerTierChanged',
        data: { customerId: 'C001', tier: 'canary' },
        occurredAt: now + 6000,
      },
    ]);
    const after = await generate({});
    const key = (r: FeatureRow): string =>
      `${r.position.transactionId}:${r.position.globalPosition}:${r.entityId}`;
    const later = new Map((await publishedRows(after)).map((r) => [key(r), r]));
    const beforeRows = await publishedRows(before);
    for (const row of beforeRows) {
      const same = later.get(key(row));
      expect(same?.features).toEqual(row.features);
      if (row.label !== null) expect(same?.label).toBe(row.label);
    }
    // The canary completion labels the observations made before it: an outcome from later.
    for (const row of observed) {
      const same = later.get(key(row));
      expect(same?.label).toBe(1);
      expect(same?.labelPosition?.transactionId).toBeGreaterThan(row.position.transactionId);
    }
  });
});

describe('DatasetWorkflow with bad input', () => {
  const failureOf = async (input: Record<string, unknown>) => {
    const error = await generate(input as unknown as DatasetWorkflowInput).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = applicationFailureOf(error);
    return cause;
  };

  it('refuses an unknown view without retrying, naming the known ones', async () => {
    const before = await db.snapshot();
    const cause = await failureOf({ view: 'no_such_view' });
    expect(cause).toMatchObject({ type: 'UNKNOWN_FEATURE_VIEW', nonRetryable: true });
    expect(cause?.message).toContain("'work_order_overrun'");
    expect(await db.snapshot()).toBe(before);
  });

  it('refuses malformed cuts and options with the field named', async () => {
    for (const [input, field] of [
      [{ cut: 'abc' }, 'cut'],
      [{ cut: -3 }, 'cut'],
      [{ cut: 1.5 }, 'cut'],
      [{ validationFraction: 1 }, 'validationFraction'],
      [{ eventsPerBatch: 0 }, 'eventsPerBatch'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const cause = await failureOf({ view: VIEW, ...input });
      expect(cause).toMatchObject({ type: 'INVALID_ARGUMENT', nonRetryable: true });
      expect(cause?.message.startsWith(`${field}:`)).toBe(true);
    }
    const cause = await failureOf({ view: 'Not A View' });
    expect(cause?.message).toMatch(/^view: /);
  });

  it('refuses a cut from the future: not reproducible yet', async () => {
    const before = await db.snapshot();
    const horizon = await db.store.cut();
    const cause = await failureOf({ view: VIEW, cut: horizon.transactionId + 1000 });
    expect(cause).toMatchObject({ type: 'CUT_IN_FUTURE', nonRetryable: true });
    // Transaction ids are the cluster's: other databases' writers may move the horizon on.
    const said = Number(/horizon is (\d+)/.exec(cause?.message ?? '')?.[1]);
    expect(said).toBeGreaterThanOrEqual(horizon.transactionId);
    expect(said).toBeLessThan(horizon.transactionId + 1000);
    expect(await db.snapshot()).toBe(before);
  });

  it('quarantines an event the view throws on and goes on: the manifest and MLflow count it', async () => {
    // A view with a bug on one event: its reducer throws at one WorkOrderCompleted.
    const { rows } = await db.pool.query<{ event_id: string }>(
      `select event_id::text from hindsight.events where event_type = 'WorkOrderCompleted'
        order by global_position limit 1 offset 3`,
    );
    const poisonId = rows[0]?.event_id ?? '';
    const stumbling = defineFeatureView({
      ...workOrderOverrunView,
      name: 'stumbling_view',
      apply: (state, event, emit) => {
        if (event.eventId === poisonId) throw new Error('the view tripped over this event');
        workOrderOverrunView.apply(state, event, emit);
      },
    });
    const queue = uniqueId('stumbling');
    await temporal.startWorker({ views: createFeatureViewRegistry([stumbling]) }, queue);
    const result = await temporal.client.workflow.execute<typeof DatasetWorkflow>(
      WORKFLOW_TYPES.DatasetWorkflow,
      {
        taskQueue: queue,
        workflowId: uniqueId('dataset-stumbling'),
        args: [{ view: 'stumbling_view', eventsPerBatch: 100, pageSize: 50 }],
        workflowExecutionTimeout: '5 minutes',
      },
    );
    expect(result.manifest.quarantined).toBe(1);
    expect(result.manifest.rows).toBeGreaterThan(0);
    const run = await temporal.mlflow.getRun(result.runId);
    expect(run.metrics.find((m) => m.key === 'quarantined_events')?.value).toBe(1);
    const [quarantined, ...others] = await db.store.quarantine.list({ view: 'stumbling_view' });
    expect(others).toEqual([]);
    expect(quarantined).toMatchObject({
      eventId: poisonId,
      type: 'WorkOrderCompleted',
      stage: 'apply',
      codeHash: stumbling.codeHash,
    });
    expect(quarantined?.reason).toContain('the view tripped over this event');
  });

  it('leaves a run that failed midway FAILED, with no dataset input, digest or DatasetGenerated', async () => {
    // A view that breaks its contract (a label that is not 0 or 1) at the 300th event it reads,
    // after batches were written: a bug in its code, not in one event.
    let seen = 0;
    const exploding = defineFeatureView({
      ...workOrderOverrunView,
      name: 'exploding_view',
      apply: (state, event, emit) => {
        seen += 1;
        if (seen === 300) emit.label('the view tripped over its own feet', 2 as never);
        workOrderOverrunView.apply(state, event, emit);
      },
    });
    const queue = uniqueId('exploding');
    await temporal.startWorker({ views: createFeatureViewRegistry([exploding]) }, queue);
    const workflowId = uniqueId('dataset-exploding');
    const before = await db.snapshot();
    const error = await temporal.client.workflow
      .execute<typeof DatasetWorkflow>(WORKFLOW_TYPES.DatasetWorkflow, {
        taskQueue: queue,
        workflowId,
        args: [{ view: 'exploding_view', eventsPerBatch: 100, pageSize: 50 }],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const cause = applicationFailureOf(error);
    // A bug in a view fails the same way every time: not retried.
    expect(cause).toMatchObject({ type: 'FEATURE_VIEW_INVALID_OBSERVATION', nonRetryable: true });
    expect(cause?.message).toContain('label 2 is not 0 or 1');

    const experiment = await temporal.mlflow.getExperimentByName('hindsight/exploding_view');
    const { items: runs } = await temporal.mlflow.searchRuns({
      experimentIds: [experiment.experimentId],
      filter: `tags.\`hindsight.workflow_id\` = '${workflowId}'`,
    });
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run?.info.status).toBe('FAILED');
    expect(run?.tags['hindsight.failure']).toContain('label 2 is not 0 or 1');
    expect(run?.tags['hindsight.dataset_digest']).toBeUndefined();
    expect(run?.datasetInputs).toEqual([]);
    expect(await temporal.mlflow.listArtifacts({ runId: run?.info.runId ?? '' })).toEqual([]);
    expect(await db.snapshot()).toBe(before);
  });

  it('is fetched by run and digest on another machine, checked, with its splits as published', async () => {
    const elsewhere = await mkdtemp(path.join(scratch, 'trainer-'));
    const fetched = await fetchPublishedDataset(temporal.mlflow, elsewhere, VIEW, first);
    expect(fetched.manifest).toEqual(first.manifest);
    expect(fetched.run.info.runId).toBe(first.runId);
    const splits = await readDatasetSplits(fetched.manifest, fetched.parquetFile, elsewhere, [
      'train',
      'validation',
    ]);
    const published = await publishedRows(first);
    const { validationFrom, testFrom } = first.manifest.split;
    const inWindow = (r: FeatureRow): boolean =>
      comparePositions(r.position, validationFrom ?? START) >= 0 &&
      (testFrom === null || comparePositions(r.position, testFrom) < 0);
    // Trainers take the rows in commit order; purged and immature rows are not among them.
    const validation = published
      .filter((r) => r.label !== null && r.split === 'validation' && inWindow(r))
      .sort(compareObservations);
    expect(splits.validation.labels).toEqual(validation.map((r) => r.label));
    expect(splits.validation.rows[0]).toEqual(
      WORK_ORDER_OVERRUN_FEATURES.map((name) => validation[0]?.features[name]),
    );
    expect(splits.train.labels.length).toBe(first.manifest.split.train);
    expect(splits.train.featureNames).toEqual([...WORK_ORDER_OVERRUN_FEATURES]);
  });

  it('refuses a dataset whose Parquet file changed after publication, or that does not exist', async () => {
    // A dataset of its own digest: a new order, observed once.
    await db.store.append('workorder-WO-TAMPER', [
      { type: 'WorkOrderCreated', data: { workOrderId: 'WO-TAMPER', priority: 'low' } },
      { type: 'WorkOrderAssigned', data: { workOrderId: 'WO-TAMPER', technicianId: 'T01' } },
    ]);
    const other = await generate({});
    const parquet = path.join(scratch, 'tampered.parquet');
    await writeFile(parquet, 'not the published bytes');
    await temporal.mlflow.uploadArtifact({
      runId: other.runId,
      path: other.manifest.file.path,
      content: { filePath: parquet },
    });
    const fresh = await mkdtemp(path.join(scratch, 'fresh-'));
    await expect(fetchPublishedDataset(temporal.mlflow, fresh, VIEW, other)).rejects.toMatchObject({
      type: 'DATASET_CORRUPT',
      nonRetryable: true,
    });
    // Nothing is found by digest alone: the run must be the one that published that digest.
    const stranger = '0'.repeat(64);
    await expect(
      fetchPublishedDataset(temporal.mlflow, scratch, VIEW, {
        runId: other.runId,
        digest: stranger,
      }),
    ).rejects.toMatchObject({ type: 'DATASET_NOT_FOUND', nonRetryable: true });
    await expect(
      fetchPublishedDataset(temporal.mlflow, scratch, VIEW, {
        runId: first.runId,
        digest: other.digest,
      }),
    ).rejects.toMatchObject({ type: 'DATASET_NOT_FOUND', nonRetryable: true });
    await expect(
      fetchPublishedDataset(temporal.mlflow, scratch, VIEW, {
        runId: 'f'.repeat(32),
        digest: other.digest,
      }),
    ).rejects.toMatchObject({ type: 'DATASET_NOT_FOUND', nonRetryable: true });
    await expect(
      fetchPublishedDataset(temporal.mlflow, scratch, VIEW, { runId: other.runId, digest: 'abc' }),
    ).rejects.toMatchObject({ type: 'INVALID_ARGUMENT' });
  });
});
