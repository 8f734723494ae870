// The Pipelines and Models services of a test gRPC server, on a test database and Temporal.
import { builtInViewRegistry } from '../../runtime/worker.js';
import type { GrpcServerOptions } from '../../services/grpc/server.js';
import { createPipelineSchedules } from '../../services/schedules/index.js';
import type { TestDatabase } from './database.js';
import type { TestTemporal } from './temporal.js';

type Platform = NonNullable<GrpcServerOptions['platform']>;

export const platformServices = (
  db: TestDatabase,
  temporal: TestTemporal,
  models: Partial<Platform['models']> = {},
): Platform => {
  const views = builtInViewRegistry();
  return {
    pipelines: {
      client: temporal.client,
      namespace: 'default',
      taskQueue: temporal.taskQueue,
      views,
      schedules: createPipelineSchedules(temporal.client.schedule, {
        taskQueue: temporal.taskQueue,
      }),
    },
    models: { store: db.store, mlflow: temporal.mlflow, ...models },
  };
};
