// The stack on the embedded defaults: PostgreSQL, Temporal's dev server (with its UI) and
// MLflow, each replaced by an external one when its variable is set.
import type { Config } from '../config/env.js';
import type { Logger } from '../config/logger.js';
import { startMlflowServer } from '../stack/mlflow.js';
import { startTemporalDevServer } from '../stack/temporal.js';
import { openDatabase, type Database, type ServiceOrigin } from './runtime.js';

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

export const startStack = async (config: Config, logger: Logger): Promise<Stack> => {
  const log = (message: string): void => logger.info(message);
  const [database, temporal, mlflow] = await Promise.all([
    openDatabase(config, logger),
    config.TEMPORAL_ADDRESS
      ? {
          address: config.TEMPORAL_ADDRESS,
          uiUrl: undefined,
          reused: undefined,
          stop: () => Promise.resolve(),
        }
      : startTemporalDevServer({
          dataDir: config.HINDSIGHT_DATA_DIR,
          port: config.HINDSIGHT_TEMPORAL_PORT,
          uiPort: config.HINDSIGHT_TEMPORAL_UI_PORT,
          namespace: config.TEMPORAL_NAMESPACE,
          log,
        }),
    config.MLFLOW_TRACKING_URI
      ? {
          trackingUri: config.MLFLOW_TRACKING_URI,
          reused: undefined,
          stop: () => Promise.resolve(),
        }
      : startMlflowServer({
          dataDir: config.HINDSIGHT_DATA_DIR,
          port: config.HINDSIGHT_MLFLOW_PORT,
          log,
        }),
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
