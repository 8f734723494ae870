// Figure (k)'s Temporal and MLflow, on free ports with their data in .data/bench-console-<pid>,
// and a Temporal client. Temporal's dev server is started as stack/temporal.ts starts it, plus
// two SQLite pragmas (no fsync per commit, a write-ahead log): its writes need not survive a
// crash here, and the set-up's ten thousand workflow starts run about 3x faster (measured on
// 2 cores: 43 starts/s with the defaults, 142/s with the pragmas). No worker is started.
import { Client, Connection } from '@temporalio/client';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../config/paths.js';
import { startMlflowServer } from '../stack/mlflow.js';
import { freePort } from '../stack/processes.js';
import { stopOthersIfAnyFailed } from '../stack/startTogether.js';
import { startTemporalDevServer } from '../stack/temporal.js';

export const NAMESPACE = 'default';

export interface ConsoleStack {
  client: Client;
  temporalAddress: string;
  mlflowUri: string;
  close(): Promise<void>;
}

export const startConsoleStack = async (): Promise<ConsoleStack> => {
  const runDir = path.join(projectRoot, `.data/bench-console-${process.pid}`);
  const temporalStart = freePort().then((port) =>
    startTemporalDevServer({
      dataDir: runDir,
      port,
      namespace: NAMESPACE,
      sqlitePragmas: ['synchronous=OFF', 'journal_mode=WAL'],
    }),
  );
  const mlflowStart = freePort().then((port) => startMlflowServer({ dataDir: runDir, port }));
  await stopOthersIfAnyFailed([temporalStart, mlflowStart]);
  const [temporal, mlflow] = await Promise.all([temporalStart, mlflowStart]);
  const stopServers = async (): Promise<void> => {
    await Promise.all([temporal.stop(), mlflow.stop()]);
    await rm(runDir, { recursive: true, force: true });
  };
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: temporal.address });
  } catch (error) {
    await stopServers();
    throw error;
  }
  console.log(`stack: Temporal on ${temporal.address}, MLflow on ${mlflow.trackingUri}`);
  return {
    client: new Client({ connection, namespace: NAMESPACE }),
    temporalAddress: temporal.address,
    mlflowUri: mlflow.trackingUri,
    close: async () => {
      await connection.close();
      await stopServers();
    },
  };
};
