// The checks behind the health service: one round trip to each dependency, no data read.
import type { Client } from '@temporalio/client';
import type { Sql } from '../../eventstore/index.js';
import type { DependencyProbe } from './watchDependencies.js';

/** `select 1` on a pool of its own, so that a pool busy with appends never looks like an outage. */
export const postgresProbe = (sql: Sql): DependencyProbe => ({
  dependency: 'postgres',
  check: async () => {
    await sql.query('select 1');
  },
});

export const temporalProbe = (client: Client, timeoutMs = 2_000): DependencyProbe => ({
  dependency: 'temporal',
  check: async () => {
    await client.withDeadline(Date.now() + timeoutMs, () =>
      client.workflowService.getSystemInfo({}),
    );
  },
});

/** MLflow's own health endpoint, without the client's retries. */
export const mlflowProbe = (trackingUri: string): DependencyProbe => ({
  dependency: 'mlflow',
  check: async (signal) => {
    const response = await fetch(`${trackingUri.replace(/\/$/, '')}/health`, { signal });
    if (!response.ok) throw new Error(`MLflow answered ${response.status} at /health`);
  },
});
