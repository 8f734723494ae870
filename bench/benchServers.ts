// A benchmark's Temporal dev server and MLflow server, on free ports with their data in a run
// folder of its own (removed at close), and a Temporal client. `sqlitePragmas` lets a benchmark
// whose Temporal data need not survive a crash trade durability for speed: figure (k) seeds
// ten thousand workflows about 3x faster with `synchronous=OFF` and a write-ahead log (measured
// on 2 cores: 43 starts/s with the defaults, 142/s with the pragmas).
import { Client, Connection } from '@temporalio/client';
import { rm } from 'node:fs/promises';
import { startMlflowServer } from '../stack/mlflow.js';
import { freePort } from '../stack/processes.js';
import { stopOthersIfAnyFailed } from '../stack/startTogether.js';
import { startTemporalDevServer } from '../stack/temporal.js';

export const NAMESPACE = 'default';

export interface BenchServers {
  client: Client;
  temporalAddress: string;
  mlflowUri: string;
  close(): Promise<void>;
}

export const startBenchServers = async ({
  runDir,
  sqlitePragmas = [],
}: {
  runDir: string;
  sqlitePragmas?: readonly string[];
}): Promise<BenchServers> => {
  const temporalStart = freePort().then((port) =>
    startTemporalDevServer({ dataDir: runDir, port, namespace: NAMESPACE, sqlitePragmas }),
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
