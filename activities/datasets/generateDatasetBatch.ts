// One batch of a dataset: the view runs over the next stretch of the log, from the state the
// previous batch stored; the rows labelled meanwhile and the view's state afterwards become
// artifacts. Only the unfinished batch is redone after a crash, on this worker or another.
import { readFile, writeFile } from 'node:fs/promises';
import { heartbeat } from '../heartbeat.js';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { EventStore } from '../../eventstore/eventStore.js';
import { createFeatureRun, type FeatureRunSnapshot } from '../../ml/featureRun.js';
import type { MlflowClient } from '../../mlflow/index.js';
import { datasetFiles, rowsArtifact, stateArtifact } from './datasetFiles.js';
import type { FeatureViewRegistry } from './featureViewRegistry.js';
import { createRowWriter, openDuckDb } from './parquet.js';
import { readLogUntil } from './readLogUntil.js';
import type { DatasetBatchInput, DatasetBatchResult } from './types.js';

export interface DatasetBatchDeps {
  store: Pick<EventStore, 'readAll'>;
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

export const generateDatasetBatch = async (
  { store, mlflow, views, workDir }: DatasetBatchDeps,
  { runId, view: ref, cut, batch, after, maxEvents, pageSize }: DatasetBatchInput,
): Promise<DatasetBatchResult> => {
  const view = views.get(ref.name, ref.codeHash);
  const files = await datasetFiles(mlflow, workDir, runId);
  const resume =
    batch === 1
      ? undefined
      : (JSON.parse(
          (
            await promisify(gunzip)(await readFile(await files.fetch(stateArtifact(batch - 1))))
          ).toString(),
        ) as FeatureRunSnapshot);
  const run = createFeatureRun(view, { resume });
  let rowCount = 0;
  const db = await openDuckDb(files.dir);
  let done = false;
  let events = 0;
  let checkpoint = after;
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
      events += page.events.length;
      checkpoint = page.checkpoint;
      done = page.reachedEnd;
      heartbeat({ batch, events, rows: rows.rows });
      if (events >= maxEvents) break;
    }
    // The last batch holds the observations still waiting for an outcome, unlabelled.
    if (done) rows.add(run.finish());
    rowCount = rows.rows;
    await rows.finish(files.local(rowsArtifact(batch)));
  } finally {
    db.close();
  }
  await files.upload(rowsArtifact(batch));
  if (!done) {
    const state = await promisify(gzip)(JSON.stringify(run.snapshot()));
    await writeFile(files.local(stateArtifact(batch)), state);
    await files.upload(stateArtifact(batch), 'application/gzip');
  }
  return { batch, checkpoint, events, rows: rowCount, done, rowsArtifact: rowsArtifact(batch) };
};
