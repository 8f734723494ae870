// Unit tests of the mapping from a run's artifact_uri to the artifact proxy's URL path.
import { describe, expect, it } from 'vitest';
import { artifactProxyPath } from '../../mlflow/artifactPath.js';
import { MlflowError } from '../../mlflow/errors.js';

const ROOT = 'mlflow-artifacts:/1/0a1b2c/artifacts';

describe('artifact proxy paths', () => {
  it('puts the run’s artifact root under the proxy route', () => {
    expect(artifactProxyPath(ROOT, 'model/model.json')).toBe(
      '/api/2.0/mlflow-artifacts/artifacts/1/0a1b2c/artifacts/model/model.json',
    );
    expect(artifactProxyPath(ROOT)).toBe('/api/2.0/mlflow-artifacts/artifacts/1/0a1b2c/artifacts');
  });

  it('ignores the host of an mlflow-artifacts://host/ URI', () => {
    expect(artifactProxyPath('mlflow-artifacts://other:5000/1/r/artifacts', 'a.txt')).toBe(
      '/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/a.txt',
    );
  });

  it('accepts an http URI of the proxy itself', () => {
    expect(
      artifactProxyPath('http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts', 'a'),
    ).toBe('/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/a');
  });

  it('encodes each segment', () => {
    expect(artifactProxyPath(ROOT, 'my dir/a#b?.txt')).toBe(
      '/api/2.0/mlflow-artifacts/artifacts/1/0a1b2c/artifacts/my%20dir/a%23b%3F.txt',
    );
  });

  it('refuses paths that climb out of the run or are absolute', () => {
    for (const path of ['../other/x', 'a/../../b', '/etc/passwd', 'a//b', './a']) {
      expect(() => artifactProxyPath(ROOT, path), path).toThrow(MlflowError);
    }
  });

  it('refuses artifact roots that the proxy does not serve', () => {
    expect(() => artifactProxyPath('s3://bucket/1/r/artifacts', 'a')).toThrow(/--serve-artifacts/);
    expect(() => artifactProxyPath('file:///tmp/mlruns/1/r/artifacts', 'a')).toThrow(MlflowError);
  });
});
