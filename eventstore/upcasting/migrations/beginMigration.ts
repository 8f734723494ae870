// Starts a migration: records it as running, once per event type at a time.
import type { Sql } from '../../sql.js';
import { MigrationError } from './migrationError.js';
import { getMigration } from './records.js';
import type { MigrationPlan, MigrationRecord } from './types.js';

/**
 * Records the migration as running. Idempotent by migration id (a retried start finds its row);
 * refused while another migration of the same event type runs or is being undone.
 */
export const beginMigration = async (
  sql: Sql,
  { migrationId, plan }: { migrationId: string; plan: MigrationPlan },
): Promise<MigrationRecord> => {
  try {
    await sql.query(
      /* sql */ `insert into hindsight.migrations
        (migration_id, event_type, to_version, cut_tx, status, total)
        values ($1, $2, $3, $4, 'running', $5)
        on conflict (migration_id) do nothing`,
      [migrationId, plan.eventType, plan.toVersion, plan.cutTransactionId, plan.total],
    );
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      const { rows } = await sql.query<{ migration_id: string; status: string }>(
        `select migration_id, status from hindsight.migrations
          where event_type = $1 and status in ('running', 'undoing')`,
        [plan.eventType],
      );
      const other = rows[0];
      throw new MigrationError(
        'MIGRATION_IN_PROGRESS',
        `event type '${plan.eventType}' has a migration ${other?.status ?? 'running'} ` +
          `already: '${other?.migration_id ?? 'unknown'}'`,
      );
    }
    throw error;
  }
  const record = await getMigration(sql, migrationId);
  // A retried start finds its own running row; any other row means the id was used before.
  if (
    record.status !== 'running' ||
    record.eventType !== plan.eventType ||
    record.toVersion !== plan.toVersion
  ) {
    throw new MigrationError(
      'MIGRATION_STATE',
      `migration id '${migrationId}' was used already (${record.eventType} to v${record.toVersion}, ` +
        `${record.status}): give a new id`,
    );
  }
  return record;
};
