// The worker's composition root: the project, the database, Temporal and MLflow wired into a
// running Hindsight worker.
import { createAggregateRegistry } from '../eventstore/index.js';
import { createFeatureViewRegistry } from '../ml/featureViewRegistry.js';
import { loadProject, projectDirOf } from './project.js';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { mkdir } from 'node:fs/promises';
import {
  mlflowUiUrlOf,
  mlflowUriOf,
  temporalAddressOf,
  workDirOf,
  type Config,
} from '../config/env.js';
import type { Logger } from '../config/logger.js';
import { createMlflowClient } from '../mlflow/index.js';
import { unreachable } from './temporalClient.js';
import { openDatabase, openEventStore } from './database.js';
import { createHindsightWorker, gitCommitOf, installTemporalLogging } from './worker.js';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped; rejects if it failed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

const connectTemporal = (address: string): Promise<NativeConnection> =>
  NativeConnection.connect({ address }).catch((error: unknown) => {
    throw unreachable(address, error);
  });

/** Connects to the database, Temporal and MLflow of the configuration and starts the worker. */
export const startWorker = async (config: Config, logger: Logger): Promise<RunningWorker> => {
  installTemporalLogging(logger);
  // The project first: one that does not load starts nothing.
  const project = await loadProject(projectDirOf(config));
  logger.info({ project: project.name, dir: project.dir }, 'project loaded');
  const temporalAddress = temporalAddressOf(config);
  const connection = await connectTemporal(temporalAddress);
  const database = await openDatabase(config, logger);
  const eventStore = await openEventStore(database.url, config, logger, project.upcasters);
  const workDir = workDirOf(config);
  await mkdir(workDir, { recursive: true });
  const worker = await createHindsightWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.HINDSIGHT_TASK_QUEUE,
    deps: {
      store: eventStore.store,
      mlflow: createMlflowClient({ trackingUri: mlflowUriOf(config) }),
      views: createFeatureViewRegistry(project.views),
      workDir,
      gitCommit: gitCommitOf(config.HINDSIGHT_GIT_COMMIT),
      mlflowUrl: mlflowUiUrlOf(config),
      pool: eventStore.pool,
      aggregates: createAggregateRegistry(project.aggregates),
    },
  });
  const done = worker.run().finally(async () => {
    await eventStore.close();
    await database.stop();
    await connection.close();
  });
  logger.info(
    {
      taskQueue: config.HINDSIGHT_TASK_QUEUE,
      temporal: temporalAddress,
      mlflow: mlflowUriOf(config),
    },
    'worker running',
  );
  return {
    worker,
    done,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
};
