// A Temporal dev server and an MLflow server of a test's own, in a folder of their own, that the
// test may stop and start again on the same port and data: never the run's shared servers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningService } from '../../stack/detachedService.js';
import { startMlflowServer } from '../../stack/mlflow.js';
import { freePort } from '../../stack/processes.js';
import { startTemporalDevServer } from '../../stack/temporal.js';

export interface RestartableService {
  /** Temporal's address, or MLflow's tracking URI. */
  address: string;
  port: number;
  /** Stops it (SIGTERM, then SIGKILL after a while); its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
}

const restartable = async (
  name: string,
  run: (dataDir: string, port: number) => Promise<RunningService & { address: string }>,
): Promise<RestartableService> => {
  const dataDir = await mkdtemp(path.join(tmpdir(), `hindsight-${name}-`));
  const port = await freePort();
  let running: RunningService | null = await run(dataDir, port);
  const address = (running as RunningService & { address: string }).address;
  const stop = async (): Promise<void> => {
    await running?.stop();
    running = null;
  };
  return {
    address,
    port,
    stop,
    start: async () => {
      running = await run(dataDir, port);
    },
    remove: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

export const startRestartableTemporal = (): Promise<RestartableService> =>
  restartable('temporal', (dataDir, port) => startTemporalDevServer({ dataDir, port }));

export const startRestartableMlflow = (): Promise<RestartableService> =>
  restartable('mlflow', async (dataDir, port) => {
    const server = await startMlflowServer({ dataDir, port });
    return { ...server, address: server.trackingUri };
  });
