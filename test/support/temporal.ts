// A Temporal worker for one test file, on the run's shared Temporal server and MLflow server,
// with a task queue of its own and the workflow bundle made once by the global setup.
import { builtInAggregates } from '../../runtime/builtIns.js';
import { ApplicationFailure, Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../activities/index.js';
import {
  builtInViewRegistry,
  createHindsightWorker,
  installTemporalLogging,
} from '../../runtime/worker.js';
import { createMlflowClient, type MlflowClient } from '../../mlflow/index.js';
import type { TestDatabase } from './database.js';

export interface TestTemporal {
  client: Client;
  taskQueue: string;
  mlflow: MlflowClient;
  /** The workers' work folder (datasets, cached files). */
  workDir: string;
  /** Starts a worker on this file's task queue (or another); `close` stops them all. */
  startWorker(overrides?: Partial<ActivityDeps>, queue?: string): Promise<Worker>;
  close(): Promise<void>;
}

export const uniqueId = (prefix: string): string => `${prefix}-${randomBytes(6).toString('hex')}`;

export const createTestTemporal = async (db: TestDatabase): Promise<TestTemporal> => {
  installTemporalLogging('quiet');
  const address = inject('temporalAddress');
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const taskQueue = uniqueId('test');
  const mlflow = createMlflowClient({ trackingUri: inject('mlflowUri') });
  const workDir = await mkdtemp(path.join(tmpdir(), 'hindsight-worker-'));
  const running: { worker: Worker; done: Promise<void>; connection: NativeConnection }[] = [];
  return {
    client,
    taskQueue,
    mlflow,
    workDir,
    startWorker: async (overrides = {}, queue = taskQueue) => {
      const connection = await NativeConnection.connect({ address });
      const worker = await createHindsightWorker({
        connection,
        namespace: 'default',
        taskQueue: queue,
        workflowBundle: { codePath: inject('workflowBundlePath') },
        deps: {
          store: db.store,
          mlflow,
          views: builtInViewRegistry(),
          workDir,
          gitCommit: 'test',
          pool: db.pool,
          aggregates: builtInAggregates(),
          ...overrides,
        },
      });
      running.push({ worker, done: worker.run(), connection });
      return worker;
    },
    close: async () => {
      for (const { worker } of running) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(running.map(({ done }) => done));
      await Promise.all(running.map(({ connection }) => connection.close()));
      await clientConnection.close();
      await rm(workDir, { recursive: true, force: true });
    },
  };
};

/** The ApplicationFailure behind a failed workflow (through its activity failure), if any. */
export const applicationFailureOf = (error: unknown): ApplicationFailure | undefined => {
  let cause: unknown = error;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure) return cause;
    cause = cause.cause;
  }
  return undefined;
};
