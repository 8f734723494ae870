// Ends a running migration as failed, keeping the rows it has migrated.
import type { Sql } from '../../sql.js';
import { getMigration } from './records.js';
import type { MigrationRecord } from './types.js';

/**
 * Ends a migration that will not finish (aborted by its operator, or failed its verification):
 * the rows done stay done. `failed` says whether this call ended it (it was running).
 */
export const failMigration = async (
  sql: Sql,
  migrationId: string,
  reason: string,
): Promise<MigrationRecord & { failed: boolean }> => {
  const { rowCount } = await sql.query(
    `update hindsight.migrations set status = 'failed', error = $2, finished_at = now()
      where migration_id = $1 and status = 'running'`,
    [migrationId, reason],
  );
  return { ...(await getMigration(sql, migrationId)), failed: (rowCount ?? 0) > 0 };
};
