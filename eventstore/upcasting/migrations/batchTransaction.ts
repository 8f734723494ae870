// What a batch of a migration or of its undo runs in: one transaction on a pooled client, with
// the migration's row locked in the status the batch expects.
import type pg from 'pg';
import { MigrationError } from './migrationError.js';
import { toRecord } from './records.js';
import type { MigrationRecord, MigrationStatus } from './types.js';

export const inTransaction = async <T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
) => {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

export const lockMigration = async (
  client: pg.PoolClient,
  migrationId: string,
  status: MigrationStatus,
): Promise<MigrationRecord> => {
  const { rows } = await client.query(
    'select * from hindsight.migrations where migration_id = $1 for update',
    [migrationId],
  );
  const row = rows[0] as Record<string, unknown> | undefined;
  if (!row) throw new MigrationError('MIGRATION_NOT_FOUND', `migration '${migrationId}' not found`);
  const record = toRecord(row);
  if (record.status !== status) {
    throw new MigrationError(
      'MIGRATION_STATE',
      `migration '${migrationId}' is ${record.status}, not ${status}`,
    );
  }
  return record;
};
