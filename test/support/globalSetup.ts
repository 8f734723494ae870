// One PostgreSQL, one Temporal dev server and one MLflow server for the whole test run.
// PostgreSQL: DATABASE_URL's server when set, otherwise the embedded default; each test file
// creates its own database on it. Temporal and MLflow: TEMPORAL_ADDRESS / MLFLOW_TRACKING_URI
// when set, otherwise fresh servers on free ports with their data in a folder of this run.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { isProcessAlive } from '../../stack/processes.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../stack/embeddedPostgres.js';
import { stopLeftoverService } from '../../stack/detachedService.js';
import { startMlflowServer } from '../../stack/mlflow.js';
import { stopOthersIfAnyFailed } from '../../stack/startTogether.js';
import { freePort } from '../../stack/processes.js';
import { startTemporalDevServer } from '../../stack/temporal.js';
import { bundleWorkflows } from '../../runtime/worker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    testRunId: number;
    temporalAddress: string;
    mlflowUri: string;
    /** The workflows, bundled once for every test worker of the run. */
    workflowBundlePath: string;
  }
}

let embedded: EmbeddedPostgres | undefined;

// Test databases are named hs_test_<pid of the vitest run>_<random>, so that concurrent runs
// sharing one server clean up only what dead runs left behind.
const runDatabases = async (adminUrl: string): Promise<{ name: string; pid: number }[]> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'hs\\_test\\_%'",
    );
    return rows.map(({ datname }) => ({ name: datname, pid: Number(datname.split('_')[2]) }));
  } finally {
    await client.end();
  }
};

const dropLeftoverDatabases = async (adminUrl: string): Promise<void> => {
  const leftovers = (await runDatabases(adminUrl)).filter(({ pid }) => !isProcessAlive(pid));
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const { name } of leftovers) {
      await client.query(`drop database if exists ${client.escapeIdentifier(name)} with (force)`);
    }
  } finally {
    await client.end();
  }
};

const startPostgres = async (): Promise<{ adminUrl: string; stop(): Promise<void> }> => {
  if (process.env.DATABASE_URL) {
    return { adminUrl: process.env.DATABASE_URL, stop: () => Promise.resolve() };
  }
  embedded = await startEmbeddedPostgres({
    dir: path.resolve('.data/test-postgres'),
    port: Number(process.env.HINDSIGHT_TEST_PG_PORT ?? 0),
    database: 'postgres',
  });
  return { adminUrl: embedded.adminUrl, stop: () => embedded?.stop() ?? Promise.resolve() };
};

/** Stops the Temporal and MLflow servers of earlier runs that died before their teardown. */
const stopLeftoverRuns = async (dataDir: string): Promise<void> => {
  const entries = await readdir(dataDir).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = Number(/^test-run-(\d+)$/.exec(entry)?.[1]);
    if (!pid || isProcessAlive(pid)) continue;
    const runDir = path.join(dataDir, entry);
    await stopLeftoverService(path.join(runDir, 'temporal'), 'temporal');
    await stopLeftoverService(path.join(runDir, 'mlflow'), 'mlflow');
    await rm(runDir, { recursive: true, force: true });
  }
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await stopLeftoverRuns(path.resolve('.data'));
  const runDir = path.resolve(`.data/test-run-${process.pid}`);
  const postgresStart = startPostgres();
  const temporalStart = process.env.TEMPORAL_ADDRESS
    ? Promise.resolve({ address: process.env.TEMPORAL_ADDRESS, stop: () => Promise.resolve() })
    : freePort().then((port) => startTemporalDevServer({ dataDir: runDir, port }));
  const mlflowStart = process.env.MLFLOW_TRACKING_URI
    ? Promise.resolve({
        trackingUri: process.env.MLFLOW_TRACKING_URI,
        stop: () => Promise.resolve(),
      })
    : freePort().then((port) => startMlflowServer({ dataDir: runDir, port }));
  const bundleStart = bundleWorkflows().then(async ({ code }) => {
    await mkdir(runDir, { recursive: true });
    const file = path.join(runDir, 'workflow-bundle.js');
    await writeFile(file, code);
    return file;
  });
  await stopOthersIfAnyFailed([
    postgresStart,
    temporalStart,
    mlflowStart,
    bundleStart.then(() => ({ stop: () => Promise.resolve() })),
  ]);
  const [postgres, temporal, mlflow] = await Promise.all([
    postgresStart,
    temporalStart,
    mlflowStart,
  ]);
  const adminUrl = postgres.adminUrl;
  await dropLeftoverDatabases(adminUrl);
  project.provide('pgAdminUrl', adminUrl);
  project.provide('testRunId', process.pid);
  project.provide('temporalAddress', temporal.address);
  project.provide('mlflowUri', mlflow.trackingUri);
  project.provide('workflowBundlePath', await bundleStart);
  return async () => {
    await Promise.all([temporal.stop(), mlflow.stop()]);
    await rm(runDir, { recursive: true, force: true });
    // Leave PostgreSQL up while another live run still has databases on it.
    const others = (await runDatabases(adminUrl)).filter(
      ({ pid }) => pid !== process.pid && isProcessAlive(pid),
    );
    if (others.length === 0) await embedded?.stop();
  };
}
