// A published dataset as MLflow's dataset input: a source MLflow's registry resolves (`http`, at
// the server's artifact route), absolute artifact URIs in the profile, the view and cut beside.
import { describe, expect, it } from 'vitest';
import { datasetInputOf, mlflowDigest } from '../../activities/datasets/datasetSource.js';
import type { DatasetManifest } from '../../ml/datasetManifest.js';

const manifest = {
  digest: 'a'.repeat(64),
  view: { name: 'churn', version: 2, codeHash: 'c'.repeat(64) },
  cut: { transactionId: 41, takenAt: null },
  events: 900,
  quarantined: 1,
  rows: 120,
  labelBalance: { labelled: 100, positives: 30, positiveRate: 0.3 },
  split: { column: 'split', train: 60, validation: 20, test: 20 },
  columns: [{ name: 'entity_id', type: 'string', role: 'key' }],
  file: { path: 'dataset/churn.parquet', format: 'parquet', bytes: 10, sha256: 'f'.repeat(64) },
} as unknown as DatasetManifest;

describe('datasetInputOf', () => {
  const input = datasetInputOf(
    manifest,
    { artifactUri: 'mlflow-artifacts:/7/0123abcd/artifacts', mlflowUrl: 'https://mlflow.example/' },
    'training',
  );

  it('is an http source at the artifact route, with the view and cut beside', () => {
    expect(input.dataset).toMatchObject({
      name: 'churn_v2',
      digest: mlflowDigest(manifest.digest),
      sourceType: 'http',
    });
    expect(JSON.parse(input.dataset.source)).toEqual({
      url: 'https://mlflow.example/api/2.0/mlflow-artifacts/artifacts/7/0123abcd/artifacts/dataset/churn.parquet',
      view: 'churn',
      version: 2,
      code_hash: 'c'.repeat(64),
      cut: 41,
    });
    expect(input.tags).toEqual({ 'mlflow.data.context': 'training' });
  });

  it('names the Parquet file and the manifest by absolute artifact URIs in its profile', () => {
    expect(JSON.parse(input.dataset.profile ?? '{}')).toMatchObject({
      digest: manifest.digest,
      num_rows: 120,
      quarantined_events: 1,
      split: { column: 'split', train: 60, validation: 20, test: 20 },
      parquet: 'mlflow-artifacts:/7/0123abcd/artifacts/dataset/churn.parquet',
      manifest: 'mlflow-artifacts:/7/0123abcd/artifacts/dataset/manifest.json',
    });
  });
});
