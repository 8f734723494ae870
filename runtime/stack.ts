// The stack on the embedded defaults: PostgreSQL, Temporal's dev server (with its UI) and
// MLflow, each replaced by an external one when its variable is set.
import type { Config } from '../config/env.js';
import type { Logger } from '../config/logger.js';
import { startMlflowServer } from '../stack/mlflow.js';
import { stopOthersIfAnyFailed } from '../stack/startTogether.js';
import { startTemporalDevServer } from '../stack/temporal.js';
import { openDatabase, type Database, type ServiceOrigin } from './database.js';

const origin = (reused: boolean | undefined): ServiceOrigin =>
  reused === undefined ? 'external' : reused ? 'reused' : 'started';

export interface Stack {
  database: Database;
  temporalAddress: string;
  temporalUiUrl?: string;
  temporalOrigin: ServiceOrigin;
  mlflowUri: string;
  mlflowOrigin: ServiceOrigin;
  /** Stops what this process started; external or reused services stay up. */
  stop(): Promise<void>;
}

interface StartedService {
  reused?: boolean;
  stop(): Promise<void>;
}

const external = <T extends object>(service: T): Promise<T & StartedService> =>
  Promise.resolve({ ...service, reused: undefined, stop: () => Promise.resolve() });

export const startStack = async (config: Config, logger: Logger): Promise<Stack> => {
  const log = (message: string): void => logger.info(message);
  const databaseStart = openDatabase(config, logger);
  const temporalStart: Promise<{ address: string; uiUrl?: string } & StartedService> =
    config.TEMPORAL_ADDRESS
      ? external({ address: config.TEMPORAL_ADDRESS })
      : startTemporalDevServer({
          dataDir: config.HINDSIGHT_DATA_DIR,
          port: config.HINDSIGHT_TEMPORAL_PORT,
          uiPort: config.HINDSIGHT_TEMPORAL_UI_PORT,
          namespace: config.TEMPORAL_NAMESPACE,
          log,
        });
  const mlflowStart: Promise<{ trackingUri: string } & StartedService> = config.MLFLOW_TRACKING_URI
    ? external({ trackingUri: config.MLFLOW_TRACKING_URI })
    : startMlflowServer({
        dataDir: config.HINDSIGHT_DATA_DIR,
        port: config.HINDSIGHT_MLFLOW_PORT,
        log,
      });
  await stopOthersIfAnyFailed([databaseStart, temporalStart, mlflowStart]);
  const [database, temporal, mlflow] = await Promise.all([
    databaseStart,
    temporalStart,
    mlflowStart,
  ]);
  return {
    database,
    temporalAddress: temporal.address,
    temporalUiUrl: temporal.uiUrl,
    temporalOrigin: origin(temporal.reused),
    mlflowUri: mlflow.trackingUri,
    mlflowOrigin: origin(mlflow.reused),
    stop: async () => {
      await Promise.all([temporal.stop(), mlflow.stop(), database.stop()]);
    },
  };
};
