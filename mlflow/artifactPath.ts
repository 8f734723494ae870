// Where a run's artifact lives on the server's artifact proxy.
import { invalidParameter } from './errors.js';

export const ARTIFACT_PROXY_ROOT = '/api/2.0/mlflow-artifacts/artifacts';

/** Checks a path relative to a run's artifact root, e.g. `model/model.json`. */
export const checkArtifactPath = (path: string): string[] => {
  const segments = path.split('/').filter((segment, i, all) => segment || i < all.length - 1);
  if (path.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw invalidParameter(`artifact path '${path}' must be relative, without '.', '..' or '//'`);
  }
  return segments;
};

/**
 * The proxy URL path of `path` under a run's `artifact_uri`, which a server started with
 * `--serve-artifacts` gives as `mlflow-artifacts:/<experiment>/<run>/artifacts`. The host of an
 * `mlflow-artifacts://host/…` URI is ignored: requests go to the tracking server.
 */
export const artifactProxyPath = (artifactUri: string, path = ''): string => {
  let root: string;
  const proxied = /^https?:\/\/[^/]*(?:\/.*)?\/api\/2\.0\/mlflow-artifacts\/artifacts(\/.*)?$/.exec(
    artifactUri,
  );
  if (artifactUri.startsWith('mlflow-artifacts:')) {
    root = artifactUri.slice('mlflow-artifacts:'.length).replace(/^\/\/[^/]*/, '');
  } else if (proxied) {
    root = proxied[1] ?? '';
  } else {
    throw invalidParameter(
      `artifact URI '${artifactUri}' is not served by the MLflow artifact proxy ` +
        '(start the server with --serve-artifacts)',
    );
  }
  const segments = [
    ...root.split('/').filter(Boolean).map(decodeURIComponent),
    ...checkArtifactPath(path),
  ];
  return `${ARTIFACT_PROXY_ROOT}/${segments.map(encodeURIComponent).join('/')}`;
};
