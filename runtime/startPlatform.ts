// The server's composition root: the project, the database, Temporal and MLflow wired into the
// gRPC API, online serving and the web console.
import { Client, Connection } from '@temporalio/client';
import {
  mlflowUiUrlOf,
  mlflowUriOf,
  temporalAddressOf,
  temporalUiUrlOf,
  type Config,
} from '../config/env.js';
import { startConsoleServer, type RunningConsole } from '../services/console/consoleServer.js';
import { packageVersion } from '../config/paths.js';
import { createAggregateRegistry, createPool } from '../eventstore/index.js';
import { createMlflowClient } from '../mlflow/index.js';
import { createPipelineSchedules } from '../services/schedules/index.js';
import { createFeatureViewRegistry } from '../ml/featureViewRegistry.js';
import { loadProject, projectDirOf } from './project.js';
import type { Logger } from '../config/logger.js';
import { startGrpcServer, type RunningGrpcServer } from '../services/grpc/server.js';
import { startServing } from '../serving/serving.js';
import {
  mlflowProbe,
  postgresProbe,
  temporalProbe,
  watchDependencies,
} from '../services/health/index.js';
import { openDatabase, openEventStore, type Database, type OpenEventStore } from './database.js';

export interface RunningPlatform {
  database: Database;
  eventStore: OpenEventStore;
  grpc: RunningGrpcServer;
  /** The web console and its JSON API. */
  console: RunningConsole;
  stop(): Promise<void>;
}

/** Starts the database (or connects to DATABASE_URL) and the gRPC server. */
export const startPlatform = async (config: Config, logger: Logger): Promise<RunningPlatform> => {
  // The project first: one that does not load starts nothing.
  const project = await loadProject(projectDirOf(config));
  logger.info({ project: project.name, dir: project.dir }, 'project loaded');
  const database = await openDatabase(config, logger);
  const eventStore = await openEventStore(database.url, config, logger, project.upcasters);
  // Lazy: the server starts without Temporal; Pipelines calls answer UNAVAILABLE until it is up.
  const temporal = Connection.lazy({
    address: temporalAddressOf(config),
    // Back within seconds of Temporal restarting, whatever the length of the outage.
    channelArgs: { 'grpc.max_reconnect_backoff_ms': 2_000 },
  });
  const client = new Client({ connection: temporal, namespace: config.TEMPORAL_NAMESPACE });
  const mlflow = createMlflowClient({ trackingUri: mlflowUriOf(config) });
  const aggregates = createAggregateRegistry(project.aggregates);
  // Health checks get a connection of their own: busy appends never look like an outage.
  const healthPool = createPool({
    connectionString: database.url,
    max: 1,
    applicationName: 'hindsight-health',
    statementTimeoutMs: 2_000,
  });
  const dependencies = watchDependencies({
    probes: [postgresProbe(healthPool), temporalProbe(client), mlflowProbe(mlflowUriOf(config))],
    onChange: (dependency, why) =>
      why === null
        ? logger.info({ dependency }, 'dependency is back: its services are SERVING')
        : logger.warn({ dependency, why }, 'dependency is down: its services are NOT_SERVING'),
  });
  const views = createFeatureViewRegistry(project.views);
  const serving = startServing({
    store: eventStore.store,
    mlflow,
    views: views.names.map((name) => views.get(name)),
    onError: (error) => logger.error({ err: error }, 'online serving failed'),
  });
  const grpc = await startGrpcServer({
    store: eventStore.store,
    snapshots: { aggregates, sql: eventStore.pool },
    platform: {
      pipelines: {
        client,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.HINDSIGHT_TASK_QUEUE,
        views,
        schedules: createPipelineSchedules(client.schedule, {
          taskQueue: config.HINDSIGHT_TASK_QUEUE,
        }),
      },
      models: {
        store: eventStore.store,
        mlflow,
        predictor: serving.predictor,
        onWarning: (message) => logger.warn(message),
        workflows: { client, taskQueue: config.HINDSIGHT_TASK_QUEUE, views },
      },
      operations: {
        client,
        taskQueue: config.HINDSIGHT_TASK_QUEUE,
        sql: eventStore.pool,
        store: eventStore.store,
        aggregates,
      },
    },
    host: config.HINDSIGHT_GRPC_HOST,
    port: config.HINDSIGHT_GRPC_PORT,
    maxMessageBytes: config.HINDSIGHT_GRPC_MAX_MESSAGE_BYTES,
    apiToken: config.HINDSIGHT_API_TOKEN,
    tls:
      config.HINDSIGHT_TLS_CERT_FILE && config.HINDSIGHT_TLS_KEY_FILE
        ? { certFile: config.HINDSIGHT_TLS_CERT_FILE, keyFile: config.HINDSIGHT_TLS_KEY_FILE }
        : undefined,
    shutdownGraceMs: config.HINDSIGHT_SHUTDOWN_GRACE_MS,
    onInternalError: (error) => logger.error({ err: error }, 'internal error in a gRPC call'),
    dependencies,
  });
  // What the console runs on, stopped in this order (after the console, or when it fails to start).
  const stopBelowConsole = async (): Promise<void> => {
    await grpc.shutdown();
    await serving.close();
    await dependencies.stop();
    await healthPool.end();
    await temporal.close();
    await eventStore.close();
    await database.stop();
  };
  const webConsole = await startConsoleServer({
    deps: {
      sql: eventStore.browsePool,
      store: eventStore.store,
      temporal: client,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.HINDSIGHT_TASK_QUEUE,
      mlflow,
      views,
      links: {
        temporalUi: temporalUiUrlOf(config),
        mlflowUi: mlflowUiUrlOf(config),
        temporalNamespace: config.TEMPORAL_NAMESPACE,
      },
      onInternalError: (error) => logger.error({ err: error }, 'internal error in a console route'),
      onWarning: (message) => logger.warn(message),
    },
    host: config.HINDSIGHT_HTTP_HOST,
    port: config.HINDSIGHT_HTTP_PORT,
    apiToken: config.HINDSIGHT_API_TOKEN,
    version: packageVersion,
  }).catch(async (error: unknown) => {
    await stopBelowConsole();
    throw error;
  });
  return {
    database,
    eventStore,
    grpc,
    console: webConsole,
    stop: async () => {
      // Both drain within the same grace, not one grace after the other.
      await Promise.all([webConsole.close(), grpc.shutdown()]);
      await stopBelowConsole();
    },
  };
};
