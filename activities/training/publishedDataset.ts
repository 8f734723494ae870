// A published dataset, found by its digest and fetched from MLflow: workers share no disk, so a
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
import { LINEAGE_TAGS, experimentOf } from '../datasets/datasetRun.js';

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

/** The finished dataset run of this view with this digest (the earliest, if generated twice). */
export const findDatasetRun = async (
  mlflow: MlflowClient,
  view: string,
  digest: string,
): Promise<Run> => {
  if (!DIGEST.test(digest)) {
    throw ApplicationFailure.nonRetryable(
      `'${digest}' is not a dataset digest (64 lower-case hex digits)`,
      'INVALID_ARGUMENT',
    );
  }
  const notFound = () =>
    ApplicationFailure.nonRetryable(
      `no published dataset of view '${view}' has digest ${digest}`,
      'DATASET_NOT_FOUND',
    );
  // A lookup creates nothing: no experiment means no dataset of this view at all.
  const experiment = await mlflow
    .getExperimentByName(experimentOf(view))
    .catch((error: unknown) => {
      throw isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST') ? notFound() : error;
    });
  const runs = await mlflow.searchAllRuns({
    experimentIds: [experiment.experimentId],
    filter: `tags.\`${LINEAGE_TAGS.digest}\` = '${digest}' and attributes.status = 'FINISHED'`,
    orderBy: ['attributes.start_time ASC'],
  });
  const run = runs[0];
  if (!run) throw notFound();
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

/** Fetches the dataset's manifest and Parquet file (or finds them cached), checked. */
export const fetchPublishedDataset = async (
  mlflow: MlflowClient,
  workDir: string,
  view: string,
  digest: string,
  { checkCacheMeanwhile = false }: FetchOptions = {},
): Promise<PublishedDatasetFile & { cacheChecked: Promise<void> }> => {
  const run = await findDatasetRun(mlflow, view, digest);
  const runId = run.info.runId;
  const manifest = JSON.parse(
    (await mlflow.downloadArtifact({ runId, path: MANIFEST_ARTIFACT })).toString(),
  ) as DatasetManifest;
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
