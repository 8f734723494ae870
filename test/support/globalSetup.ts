// One PostgreSQL for the whole test run: DATABASE_URL's server when set, otherwise the
// embedded default. Each test file then creates its own database on it.
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../stack/embeddedPostgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

let embedded: EmbeddedPostgres | undefined;

const dropLeftoverDatabases = async (adminUrl: string): Promise<void> => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "select datname from pg_database where datname like 'hs\\_test\\_%'",
    );
    for (const { datname } of rows) {
      await client.query(
        `drop database if exists ${client.escapeIdentifier(datname)} with (force)`,
      );
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
      port: Number(process.env.HINDSIGHT_TEST_PG_PORT ?? 54330),
      database: 'postgres',
    });
    adminUrl = embedded.adminUrl;
  }
  await dropLeftoverDatabases(adminUrl);
  project.provide('pgAdminUrl', adminUrl);
  return async () => {
    await embedded?.stop();
  };
}
