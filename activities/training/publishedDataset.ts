// A published dataset, named by its run and digest and fetched from MLflow: workers share no disk, so a
// trainer on any machine gets the very bytes the dataset workflow published, checked against the
// manifest's sha256, and keeps them in its work folder for the next model trained on them.
import { ApplicationFailure } from '@temporalio/activity';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DatasetManifest } from '../../ml/datasetManifest.js';
import { isMlflowError, type MlflowClient, type Run } from '../../mlflow/index.js';
import { MANIFEST_ARTIFACT, exists } from '../datasets/datasetFiles.js';
import { LINEAGE_TAGS } from '../datasets/datasetRun.js';

export interface PublishedDatasetFile {
  run: Run;
  manifest: DatasetManifest;
  /** The local copy of the dataset's Parquet file. */
  parquetFile: string;
}

const DIGEST = /^[0-9a-f]{64}$/;

const sha256Of = async (file: string): Promise<string> => {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
};

/** The exact dataset a stage hands the next: its MLflow run and the digest that run published. */
export interface DatasetRef {
  runId: string;
  digest: string;
}

const RUN_ID = /^[0-9a-f]{32}$/;

/**
 * The dataset a stage was handed. An activity scheduled by an earlier release (a pipeline in
 * flight across the upgrade) named it by digest alone, which no longer identifies one: such a
 * retry fails at once, saying so, instead of ten times with a TypeError.
 */
export const handedDataset = (input: {
  dataset?: DatasetRef;
  datasetDigest?: string;
}): DatasetRef => {
  if (input.dataset) return input.dataset;
  throw ApplicationFailure.nonRetryable(
    `this step was scheduled by an earlier release, which named its dataset by digest ` +
      `(${input.datasetDigest ?? 'none'}) alone: run the pipeline again`,
    'DATASET_NOT_FOUND',
  );
};

/**
 * The dataset run `ref` names, checked: a finished dataset run of this view whose digest is the
 * one given. Nothing is looked up by digest alone: two datasets of one digest may differ in
 * lineage, and a stage must learn from the very one the previous stage made.
 */
export const datasetRunOf = async (
  mlflow: MlflowClient,
  view: string,
  { runId, digest }: DatasetRef,
): Promise<Run> => {
  if (!DIGEST.test(digest)) {
    throw ApplicationFailure.nonRetryable(
      `'${digest}' is not a dataset digest (64 lower-case hex digits)`,
      'INVALID_ARGUMENT',
    );
  }
  if (!RUN_ID.test(runId)) {
    throw ApplicationFailure.nonRetryable(
      `'${runId}' is not an MLflow run id (32 lower-case hex digits)`,
      'INVALID_ARGUMENT',
    );
  }
  const run = await mlflow.getRun(runId).catch((error: unknown) => {
    throw isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')
      ? ApplicationFailure.nonRetryable(
          `no MLflow run ${runId}: dataset ${digest.slice(0, 12)} of view '${view}' is gone`,
          'DATASET_NOT_FOUND',
        )
      : error;
  });
  const tags = run.tags;
  const published = tags[LINEAGE_TAGS.digest];
  if (
    tags[LINEAGE_TAGS.kind] !== 'dataset' ||
    tags[LINEAGE_TAGS.view] !== view ||
    run.info.status !== 'FINISHED' ||
    published !== digest
  ) {
    throw ApplicationFailure.nonRetryable(
      `MLflow run ${runId} is not the published dataset ${digest.slice(0, 12)} of view ` +
        `'${view}' (kind ${tags[LINEAGE_TAGS.kind] ?? 'none'}, view ` +
        `${tags[LINEAGE_TAGS.view] ?? 'none'}, status ${run.info.status}, digest ` +
        `${published?.slice(0, 12) ?? 'none'})`,
      'DATASET_NOT_FOUND',
    );
  }
  return run;
};

export interface FetchOptions {
  /**
   * A cached file is used at once and checked against the manifest's sha256 meanwhile:
   * `cacheChecked` settles with the check, and rejects (removing the file, so that a retry
   * downloads it afresh) when the file is not the published one. Whatever was derived from the
   * file must wait for it before it is published.
   */
  checkCacheMeanwhile?: boolean;
}

/** The dataset's run, checked, and its manifest. */
export const publishedManifest = async (
  mlflow: MlflowClient,
  view: string,
  ref: DatasetRef,
): Promise<{ run: Run; manifest: DatasetManifest }> => {
  const run = await datasetRunOf(mlflow, view, ref);
  const manifest = JSON.parse(
    (await mlflow.downloadArtifact({ runId: ref.runId, path: MANIFEST_ARTIFACT })).toString(),
  ) as DatasetManifest;
  return { run, manifest };
};

/** Fetches the dataset's manifest and Parquet file (or finds them cached), checked. */
export const fetchPublishedDataset = async (
  mlflow: MlflowClient,
  workDir: string,
  view: string,
  ref: DatasetRef,
  { checkCacheMeanwhile = false }: FetchOptions = {},
): Promise<PublishedDatasetFile & { cacheChecked: Promise<void> }> => {
  const { run, manifest } = await publishedManifest(mlflow, view, ref);
  const { runId, digest } = ref;
  const dir = path.join(workDir, 'datasets', 'by-digest');
  await mkdir(dir, { recursive: true });
  const parquetFile = path.join(dir, `${digest}.parquet`);
  const expected = manifest.file.sha256;
  if (checkCacheMeanwhile && (await exists(parquetFile))) {
    const cacheChecked = sha256Of(parquetFile).then(async (sha256) => {
      if (sha256 === expected) return;
      await rm(parquetFile, { force: true });
      // Retryable: the next attempt downloads the published file.
      throw new Error(
        `the cached copy of dataset ${digest} has sha256 ${sha256}, not ${expected}: removed`,
      );
    });
    // Awaited by the caller; until then a failure must not count as unhandled.
    cacheChecked.catch(() => undefined);
    return { run, manifest, parquetFile, cacheChecked };
  }
  if (!(await exists(parquetFile)) || (await sha256Of(parquetFile)) !== expected) {
    // Its own partial file: trainers running at once on this worker download side by side, and
    // the rename puts a complete, checked file in place atomically.
    const partial = `${parquetFile}.${randomUUID()}.download`;
    await mlflow.downloadArtifactToFile({ runId, path: manifest.file.path, filePath: partial });
    const sha256 = await sha256Of(partial);
    if (sha256 !== expected) {
      await rm(partial, { force: true });
      throw ApplicationFailure.nonRetryable(
        `dataset ${digest}: ${manifest.file.path} has sha256 ${sha256}, its manifest says ` +
          `${expected}: the artifact was changed after publication`,
        'DATASET_CORRUPT',
      );
    }
    await rename(partial, parquetFile);
  }
  return { run, manifest, parquetFile, cacheChecked: Promise.resolve() };
};
