// How a published dataset appears among a run's inputs in MLflow: a source that MLflow's own
// `mlflow.data.get_source(...)` resolves and loads (the Parquet file), a profile whose paths are
// absolute artifact URIs (`mlflow.artifacts.download_artifacts` takes them), and the view and cut
// it was made from. The dataset run, the training
// runs and the pipeline's run log the very same input, so MLflow keeps one dataset for them.
import type { DatasetManifest } from '../../ml/datasetManifest.js';
import { mlflowSchema } from '../../ml/datasetManifest.js';
import { artifactProxyPath, type DatasetInputInput } from '../../mlflow/index.js';
import { MANIFEST_ARTIFACT } from './datasetFiles.js';

/** MLflow keeps at most 36 characters of a dataset digest; the manifest has all 64. */
export const mlflowDigest = (digest: string): string => digest.slice(0, 32);

/** Where a dataset run keeps its artifacts, and where people reach the MLflow server. */
export interface DatasetLocation {
  /** The dataset run's artifact root, e.g. `mlflow-artifacts:/3/<run id>/artifacts`. */
  artifactUri: string;
  /** The MLflow server's address as its users reach it, e.g. `http://localhost:5000`. */
  mlflowUrl: string;
}

/** An artifact of the dataset run by its absolute URI, as `mlflow.artifacts` downloads it. */
export const artifactUriOf = (artifactUri: string, artifact: string): string =>
  `${artifactUri.replace(/\/+$/, '')}/${artifact}`;

/** The dataset as a run's input, in the given context (`generated`, `training`, …). */
export const datasetInputOf = (
  manifest: DatasetManifest,
  location: DatasetLocation,
  context: string,
): DatasetInputInput => {
  const { view, cut } = manifest;
  const parquet = artifactUriOf(location.artifactUri, manifest.file.path);
  // MLflow leaves `mlflow-artifacts:` out of its dataset sources, so the file is an `http` source
  // at the server's artifact route: `mlflow.data.get_source(input).load()` downloads it.
  const url = `${location.mlflowUrl.replace(/\/+$/, '')}${artifactProxyPath(location.artifactUri, manifest.file.path)}`;
  return {
    dataset: {
      name: `${view.name}_v${view.version}`,
      digest: mlflowDigest(manifest.digest),
      sourceType: 'http',
      // MLflow's source reads its own keys and ignores the rest: the view and cut stay beside.
      source: JSON.stringify({
        url,
        view: view.name,
        version: view.version,
        code_hash: view.codeHash,
        cut: cut.transactionId,
      }),
      schema: mlflowSchema(manifest.columns),
      profile: JSON.stringify({
        digest: manifest.digest,
        num_rows: manifest.rows,
        events: manifest.events,
        quarantined_events: manifest.quarantined ?? 0,
        label_balance: manifest.labelBalance,
        split: {
          column: manifest.split.column,
          train: manifest.split.train,
          validation: manifest.split.validation,
          test: manifest.split.test,
        },
        manifest: artifactUriOf(location.artifactUri, MANIFEST_ARTIFACT),
        parquet,
      }),
    },
    tags: { 'mlflow.data.context': context },
  };
};
