// The MLflow tracking server from the PyPI package mlflow: SQLite backend and artifacts
// under the data folder, artifacts served through the server's proxy.
import path from 'node:path';
import { startDetachedService, type RunningService } from './detachedService.js';
import { venvBin } from './venv.js';

export interface MlflowServerOptions {
  dataDir: string;
  port: number;
  log?: (message: string) => void;
}

export interface MlflowServer extends RunningService {
  trackingUri: string;
}

const healthy = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return response.ok;
  } catch {
    return false;
  }
};

export const startMlflowServer = async ({
  dataDir,
  port,
  log,
}: MlflowServerOptions): Promise<MlflowServer> => {
  const dir = path.resolve(dataDir, 'mlflow');
  const trackingUri = `http://127.0.0.1:${port}`;
  const service = await startDetachedService({
    name: 'mlflow',
    dir,
    command: venvBin('mlflow'),
    args: [
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--backend-store-uri',
      `sqlite:///${path.join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      path.join(dir, 'artifacts'),
      '--serve-artifacts',
      '--workers',
      '1',
    ],
    env: { MLFLOW_LOGGING_LEVEL: 'WARNING', PYTHONUNBUFFERED: '1' },
    healthy: () => healthy(trackingUri),
    log,
  });
  return { ...service, trackingUri };
};
