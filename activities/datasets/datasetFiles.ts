// Where a dataset's files live while it is generated: in the worker's work folder, and as the
// run's artifacts in MLflow, so that another worker can take over (workers share no disk).
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MlflowClient } from '../../mlflow/index.js';

const padded = (batch: number): string => String(batch).padStart(5, '0');

/** Batch files go under this artifact folder, deleted once the dataset is published. */
export const WORK_ARTIFACTS = '_work';
export const rowsArtifact = (batch: number): string =>
  `${WORK_ARTIFACTS}/rows-${padded(batch)}.parquet`;
export const stateArtifact = (batch: number): string =>
  `${WORK_ARTIFACTS}/state-${padded(batch)}.json.gz`;
export const MANIFEST_ARTIFACT = 'dataset/manifest.json';
export const parquetArtifact = (view: string): string => `dataset/${view}.parquet`;

export interface DatasetFiles {
  /** The run's local folder. */
  dir: string;
  /** The local copy of an artifact, downloaded when this worker does not have it. */
  fetch: (artifact: string) => Promise<string>;
  /** The local path an artifact is written to before its upload. */
  local: (artifact: string) => string;
  upload: (artifact: string, contentType?: string) => Promise<void>;
  remove: () => Promise<void>;
}

export const exists = async (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

export const datasetFiles = async (
  mlflow: MlflowClient,
  workDir: string,
  runId: string,
): Promise<DatasetFiles> => {
  const dir = path.join(workDir, 'datasets', runId);
  await mkdir(path.join(dir, WORK_ARTIFACTS), { recursive: true });
  await mkdir(path.join(dir, 'dataset'), { recursive: true });
  const local = (artifact: string): string => path.join(dir, ...artifact.split('/'));
  // Looked up once for all of this run's transfers (a failed look-up is tried again).
  let artifactUri: Promise<string> | undefined;
  const runArtifactUri = (): Promise<string> =>
    (artifactUri ??= mlflow
      .getRun(runId)
      .then((run) => run.info.artifactUri)
      .catch((error: unknown) => {
        artifactUri = undefined;
        throw error;
      }));
  return {
    dir,
    local,
    fetch: async (artifact) => {
      const file = local(artifact);
      if (!(await exists(file))) {
        await mlflow.downloadArtifactToFile({
          runId,
          path: artifact,
          filePath: file,
          artifactUri: await runArtifactUri(),
        });
      }
      return file;
    },
    upload: async (artifact, contentType) =>
      mlflow.uploadArtifact({
        runId,
        path: artifact,
        content: { filePath: local(artifact) },
        contentType,
        artifactUri: await runArtifactUri(),
      }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
};
