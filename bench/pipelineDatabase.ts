// Figure (f)'s own database on the bench's server, migrated: the pipeline then learns from
// exactly the demo events (f) loads, whatever the figures before it appended ((e) loads 1M).
import type pg from 'pg';
import { createPool } from '../eventstore/pool.js';
import { migrate } from '../eventstore/schema/migrate.js';

export interface PipelineDatabase {
  url: string;
  drop(): Promise<void>;
}

/** @param admin a connection to the bench's database, whose role may create databases */
export const createPipelineDatabase = async (
  admin: pg.Client,
  benchUrl: string,
): Promise<PipelineDatabase> => {
  const { rows } = await admin.query<{ name: string }>('select current_database() as name');
  const name = `${rows[0]?.name ?? 'hs_bench'}_pipeline`;
  await admin.query(`create database ${name}`);
  const drop = async (): Promise<void> => {
    await admin.query(`drop database if exists ${name} with (force)`);
  };
  const parsed = new URL(benchUrl);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const pool = createPool({ connectionString: url, max: 2, applicationName: 'bench' });
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    await drop();
    throw error;
  }
  await pool.end();
  return { url, drop };
};
