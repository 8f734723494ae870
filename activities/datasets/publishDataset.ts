// Publishes a dataset: assembles the batches into one Parquet file, writes its manifest, uploads
// both, records the dataset as the run's input with its lineage, and finishes the run. A retry
// after a partial publication finds the uploaded manifest and completes from it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EventStore } from '../../eventstore/index.js';
import { readRunSnapshot } from '../../ml/featureRun.js';
import { fetchPublishedDataset } from '../training/publishedDataset.js';
import { pipeline } from 'node:stream/promises';
import type { SplitSpec } from '../../ml/dataset.js';
import {
  MANIFEST_FORMAT,
  manifestColumns,
  type DatasetManifest,
} from '../../ml/datasetManifest.js';
import { isMlflowError, type MlflowClient } from '../../mlflow/index.js';
import { assembleParquet } from './assembleParquet.js';
import {
  MANIFEST_ARTIFACT,
  WORK_ARTIFACTS,
  datasetFiles,
  exists,
  parquetArtifact,
  stateArtifact,
} from './datasetFiles.js';
import { LINEAGE_TAGS } from './datasetRun.js';
import { datasetInputOf } from './datasetSource.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { openDuckDb } from './parquet.js';
import type { PublishDatasetInput, PublishedDataset } from './types.js';

export interface PublishDatasetDeps {
  store: Pick<EventStore, 'viewSnapshots' | 'quarantine' | 'upcasters'>;
  mlflow: MlflowClient;
  views: FeatureViewRegistry;
  workDir: string;
  gitCommit: string;
  /** The MLflow server's address as its users reach it; default: the tracking URI. */
  mlflowUrl?: string;
}

/**
 * DuckDB's memory while it writes a dataset's file. The rows stream from the inputs to the file
 * in one pass, so a little does, whatever the dataset's size.
 */
export const ASSEMBLY_MEMORY = '256MB';
/**
 * DuckDB's memory when it must sort (a base published in format 2): fixed-width columns spill
 * to disk, but the 32-byte row hashes stay in memory (about 40 bytes a row), so this bounds
 * such a dataset to some 20 million rows.
 */
export const SORTING_MEMORY = '1GB';
/**
 * One thread: the digest reads the inputs' hashes on the other core meanwhile, and a second
 * thread's write buffers cost more memory than they save time.
 */
export const ASSEMBLY_THREADS = 1;

const fileSha256 = async (file: string): Promise<string> => {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
};

const uploadedManifest = async (
  mlflow: MlflowClient,
  runId: string,
): Promise<DatasetManifest | null> => {
  try {
    const text = await mlflow.downloadArtifact({ runId, path: MANIFEST_ARTIFACT });
    return JSON.parse(text.toString()) as DatasetManifest;
  } catch (error) {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return null;
    throw error;
  }
};

const buildManifest = async (
  { store, mlflow, views, workDir, gitCommit }: PublishDatasetDeps,
  input: PublishDatasetInput,
): Promise<DatasetManifest> => {
  const { runId, workflowId, view: ref, cut, rowsArtifacts, base } = input;
  const events = input.events + (base?.events ?? 0);
  const view = views.get(ref.name, ref.codeHash);
  const files = await datasetFiles(mlflow, workDir, runId);
  // The base's cached file is read at once and checked meanwhile: nothing goes up before the
  // check has passed (see afterWrite).
  const [batchFiles, baseDataset] = await Promise.all([
    Promise.all(rowsArtifacts.map((artifact) => files.fetch(artifact))),
    base
      ? fetchPublishedDataset(mlflow, workDir, ref.name, base, {
          checkCacheMeanwhile: true,
        })
      : undefined,
  ]);
  const parquet = parquetArtifact(view.name);
  const local = files.local(parquet);
  // Format 3 and later keep the canonical order; the split is made again anyway.
  const sort = baseDataset?.manifest.format === 'hindsight.dataset/2';
  const spec: SplitSpec = {
    validationFraction: input.validationFraction,
    // An input scheduled by an earlier release has neither: no test window, no clock.
    testFraction: input.testFraction ?? 0,
    purge: input.purge,
    labelHorizon: view.labelHorizon ?? null,
    clock: input.clock ?? null,
  };
  const db = await openDuckDb(files.dir, {
    memoryLimit: sort ? SORTING_MEMORY : ASSEMBLY_MEMORY,
    threads: ASSEMBLY_THREADS,
  });
  let assembled;
  let written: { bytes: number; sha256: string } | undefined;
  try {
    assembled = await assembleParquet(db, view, {
      batchFiles,
      outFile: local,
      split: spec,
      baseFile: baseDataset?.parquetFile,
      sort,
      // The upload overlaps the digest's read-back; the manifest, which vouches for the file,
      // goes up only after both.
      afterWrite: async () => {
        await baseDataset?.cacheChecked;
        const [sha256, { size }] = await Promise.all([
          fileSha256(local),
          stat(local),
          files.upload(parquet, 'application/vnd.apache.parquet'),
        ]);
        written = { bytes: size, sha256 };
      },
    });
  } finally {
    db.close();
  }
  if (!written) throw new Error(`${parquet} was assembled but not uploaded`);
  // The batches (and the base's, and live followers of the same code) recorded them.
  const quarantined = await store.quarantine.count(
    {
      view: ref.name,
      codeHash: ref.codeHash,
      upcastersHash: input.upcastersHash ?? store.upcasters.codeHash,
    },
    cut.transactionId,
  );
  const manifest: DatasetManifest = {
    format: MANIFEST_FORMAT,
    digest: assembled.digest,
    view: ref,
    cut,
    events,
    quarantined,
    rows: assembled.rows,
    labelBalance: assembled.labelBalance,
    split: {
      column: 'split',
      order: 'commit',
      ...spec,
      validationFrom: assembled.split.validationFrom,
      testFrom: assembled.split.testFrom,
      ...assembled.split.counts,
    },
    columns: manifestColumns(view.featureNames, view.featureTypes),
    observedFrom: assembled.observedFrom,
    observedUntil: assembled.observedUntil,
    file: { path: parquet, format: 'parquet', ...written },
    generatedAt: Date.now(),
    lineage: { workflowId, runId, gitCommit },
  };
  // The manifest goes last: once it is there, the Parquet file it describes is there too.
  await writeFile(files.local(MANIFEST_ARTIFACT), `${JSON.stringify(manifest, null, 2)}\n`);
  await files.upload(MANIFEST_ARTIFACT, 'application/json');
  return manifest;
};

/**
 * Stores the view's state at the cut (the last batch's state artifact) for later datasets to
 * build on. A retry that finds the work folder gone finds the state stored already.
 */
const keepViewState = async (
  { store, mlflow, workDir }: PublishDatasetDeps,
  input: PublishDatasetInput,
  manifest: DatasetManifest,
): Promise<void> => {
  const last = input.rowsArtifacts.length;
  if (last === 0 || input.upcastersHash === undefined) return;
  const files = await datasetFiles(mlflow, workDir, input.runId);
  let state: Buffer;
  try {
    state = await readFile(await files.fetch(stateArtifact(last)));
  } catch (error) {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return;
    throw error;
  }
  const snapshot = await readRunSnapshot(state);
  await store.viewSnapshots.save(
    {
      view: manifest.view.name,
      codeHash: manifest.view.codeHash,
      upcastersHash: input.upcastersHash,
    },
    {
      viewVersion: manifest.view.version,
      cutTransactionId: manifest.cut.transactionId,
      position: snapshot.position,
      events: manifest.events,
      labelledRows: manifest.labelBalance.labelled,
      datasetDigest: manifest.digest,
      datasetRunId: input.runId,
      state,
    },
  );
};

/** Keeps the published file where trainers and later datasets on this worker look first. */
const cacheByDigest = async (workDir: string, file: string, digest: string): Promise<void> => {
  const dir = path.join(workDir, 'datasets', 'by-digest');
  await mkdir(dir, { recursive: true });
  const target = path.join(dir, `${digest}.parquet`);
  if ((await exists(file)) && !(await exists(target))) await rename(file, target);
};

export const publishDataset = async (
  deps: PublishDatasetDeps,
  input: PublishDatasetInput,
): Promise<PublishedDataset> => {
  const { mlflow } = deps;
  const { runId } = input;
  const [run, uploaded] = await Promise.all([
    mlflow.getRun(runId),
    uploadedManifest(mlflow, runId),
  ]);
  const manifest = uploaded ?? (await buildManifest(deps, input));
  const { view, cut, labelBalance, split } = manifest;
  // The tracking calls go one by one (MLflow's SQLite store takes one writer); the view's state
  // (PostgreSQL) and then the work files' removal (the artifact store) go beside them.
  const logged = async (): Promise<void> => {
    await mlflow.logBatch({
      runId,
      params: {
        view: view.name,
        view_version: view.version,
        view_code_hash: view.codeHash,
        cut: cut.transactionId,
        validation_fraction: split.validationFraction,
        test_fraction: split.testFraction,
        purge: split.purge,
        split_order: split.order,
        label_within_ms: split.labelHorizon?.within ?? 'none',
        label_otherwise: split.labelHorizon?.otherwise ?? 'none',
      },
      metrics: [
        ['events', manifest.events],
        ['quarantined_events', manifest.quarantined ?? 0],
        ['rows', manifest.rows],
        ['labelled_rows', labelBalance.labelled],
        ['train_rows', split.train],
        ['validation_rows', split.validation],
        ['test_rows', split.test],
        ['purged_rows', split.purged],
        ['immature_rows', split.immature],
        ['unlabelled_rows', split.unlabelled],
        ...(split.clock === null ? [] : [['log_clock', split.clock]]),
        ['parquet_bytes', manifest.file.bytes],
        ...(labelBalance.positiveRate === null
          ? []
          : [['positive_rate', labelBalance.positiveRate]]),
      ].map(([key, value]) => ({
        key: key as string,
        value: value as number,
        timestamp: manifest.generatedAt,
      })),
    });
    await mlflow.logInputs({
      runId,
      datasets: [
        datasetInputOf(
          manifest,
          { artifactUri: run.info.artifactUri, mlflowUrl: deps.mlflowUrl ?? mlflow.trackingUri },
          'generated',
        ),
      ],
    });
    await mlflow.setTag({ runId, key: LINEAGE_TAGS.digest, value: manifest.digest });
  };
  await Promise.all([
    logged(),
    keepViewState(deps, input, manifest).then(() =>
      mlflow.deleteArtifact({ runId, path: WORK_ARTIFACTS, artifactUri: run.info.artifactUri }),
    ),
  ]);
  if (run.info.status !== 'FINISHED') await mlflow.updateRun({ runId, status: 'FINISHED' });
  const files = await datasetFiles(mlflow, deps.workDir, runId);
  await cacheByDigest(deps.workDir, files.local(manifest.file.path), manifest.digest);
  await files.remove();
  return { runId, experimentId: run.info.experimentId, manifest };
};
