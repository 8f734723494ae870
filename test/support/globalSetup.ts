// One PostgreSQL for the whole test run: DATABASE_URL's server when set, otherwise the
// embedded default. Each test file then creates its own database on it.
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { isProcessAlive } from '../../stack/processes.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../stack/embeddedPostgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    testRunId: number;
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

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({
      dir: path.resolve('.data/test-postgres'),
      port: Number(process.env.HINDSIGHT_TEST_PG_PORT ?? 0),
      database: 'postgres',
    });
    adminUrl = embedded.adminUrl;
  }
  await dropLeftoverDatabases(adminUrl);
  project.provide('pgAdminUrl', adminUrl);
  project.provide('testRunId', process.pid);
  const url = adminUrl;
  return async () => {
    // Leave the server up while another live run still has databases on it.
    const others = (await runDatabases(url)).filter(
      ({ pid }) => pid !== process.pid && isProcessAlive(pid),
    );
    if (others.length === 0) await embedded?.stop();
  };
}
