// One batch of a dataset: the view runs over the next stretch of the log, from the state the
// previous batch stored; the rows labelled meanwhile and the view's state afterwards become
// artifacts. Only the unfinished batch is redone after a crash, on this worker or another.
import { ApplicationFailure } from '@temporalio/activity';
import { readFile, writeFile } from 'node:fs/promises';
import { heartbeat } from '../heartbeat.js';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { EventStore } from '../../eventstore/index.js';
import { createFeatureRun, readRunSnapshot } from '../../ml/featureRun.js';
import type { MlflowClient } from '../../mlflow/index.js';
import { datasetFiles, rowsArtifact, stateArtifact } from './datasetFiles.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { createRowWriter, openDuckDb } from './parquet.js';
import { readLogUntil } from './readLogUntil.js';
import type { DatasetBase, DatasetBatchInput, DatasetBatchResult } from './types.js';

export interface DatasetBatchDeps {
  store: Pick<EventStore, 'readAll' | 'viewSnapshots' | 'quarantine' | 'upcasters'>;
  mlflow: MlflowClient;
  views: FeatureViewRegistry;
  workDir: string;
}

/** The heartbeat of a batch: how far it got, for `describe` and the console. */
export interface DatasetBatchHeartbeat {
  batch: number;
  events: number;
  rows: number;
}

/** The view's state stored with the base dataset; gone means it cannot be built on. */
const baseState = async (
  store: Pick<EventStore, 'viewSnapshots'>,
  view: DatasetBatchInput['view'],
  base: DatasetBase,
): Promise<Buffer> => {
  const state = await store.viewSnapshots.loadState(
    { view: view.name, codeHash: view.codeHash, upcastersHash: base.upcastersHash },
    base.cutTransactionId,
  );
  if (!state) {
    throw ApplicationFailure.nonRetryable(
      `the state of view '${view.name}' at cut ${base.cutTransactionId} is gone: ` +
        'generate the dataset without `incremental`',
      'DATASET_BASE_MISSING',
    );
  }
  return state;
};

export const generateDatasetBatch = async (
  { store, mlflow, views, workDir }: DatasetBatchDeps,
  { runId, view: ref, cut, batch, after, maxEvents, pageSize, base }: DatasetBatchInput,
): Promise<DatasetBatchResult> => {
  const view = views.get(ref.name, ref.codeHash);
  const files = await datasetFiles(mlflow, workDir, runId);
  const stored =
    batch > 1
      ? await readFile(await files.fetch(stateArtifact(batch - 1)))
      : base
        ? await baseState(store, ref, base)
        : undefined;
  const resume = stored ? await readRunSnapshot(stored) : undefined;
  const run = createFeatureRun(view, { resume });
  // Events the view goes on without are kept in the quarantine before the batch counts as done.
  const quarantineKey = {
    view: view.name,
    codeHash: view.codeHash,
    upcastersHash: store.upcasters.codeHash,
  };
  let rowCount = 0;
  const db = await openDuckDb(files.dir);
  let done = false;
  let events = 0;
  let checkpoint = after;
  let finalState: Buffer | undefined;
  try {
    const rows = await createRowWriter(db, view);
    for await (const page of readLogUntil(store, {
      cut,
      after,
      batchSize: pageSize,
      eventTypes: view.eventTypes,
    })) {
      for (const event of page.events) run.push(event);
      rows.add(run.drain());
      await store.quarantine.record(quarantineKey, run.drainQuarantined());
      events += page.events.length;
      checkpoint = page.checkpoint;
      done = page.reachedEnd;
      heartbeat({ batch, events, rows: rows.rows });
      if (events >= maxEvents) break;
    }
    // The view's state at the cut, before the open observations end: a later dataset of the
    // same code starts from it (all labelled rows are drained, so it holds only open ones).
    if (done) finalState = await promisify(gzip)(JSON.stringify(run.snapshot()));
    // The last batch holds the observations still waiting for an outcome, unlabelled.
    if (done) rows.add(run.finish());
    rowCount = rows.rows;
    await rows.finish(files.local(rowsArtifact(batch)));
  } finally {
    db.close();
  }
  const state = finalState ?? (await promisify(gzip)(JSON.stringify(run.snapshot())));
  await writeFile(files.local(stateArtifact(batch)), state);
  await Promise.all([
    files.upload(rowsArtifact(batch)),
    files.upload(stateArtifact(batch), 'application/gzip'),
  ]);
  return {
    batch,
    checkpoint,
    events,
    rows: rowCount,
    quarantined: run.quarantined,
    done,
    rowsArtifact: rowsArtifact(batch),
    clock: run.clock,
  };
};
