// Starts undoing a completed or failed migration, the latest of its event type first.
import type { Sql } from '../../sql.js';
import { MigrationError } from './migrationError.js';
import { getMigration } from './records.js';
import type { MigrationRecord } from './types.js';

/**
 * Starts undoing a migration: refused unless it is completed or failed, and unless no later
 * migration of the same type has rewritten rows since (undo that one first).
 */
export const beginUndo = async (sql: Sql, migrationId: string): Promise<MigrationRecord> => {
  const record = await getMigration(sql, migrationId);
  if (record.status === 'undoing') return record;
  if (record.status !== 'completed' && record.status !== 'failed') {
    throw new MigrationError(
      'MIGRATION_STATE',
      `migration '${migrationId}' is ${record.status}: only a completed or failed one can be undone`,
    );
  }
  const { rows: later } = await sql.query<{ migration_id: string }>(
    /* sql */ `select migration_id from hindsight.migrations
      where event_type = $1 and migration_id <> $2 and started_at > $3 and migrated > 0
        and status <> 'undone'
      order by started_at limit 1`,
    [record.eventType, migrationId, new Date(record.startedAt)],
  );
  if (later[0]) {
    throw new MigrationError(
      'UNDO_ORDER',
      `migration '${later[0].migration_id}' rewrote ${record.eventType} events later: undo it first`,
    );
  }
  try {
    await sql.query(
      `update hindsight.migrations set status = 'undoing', error = null
        where migration_id = $1 and status in ('completed', 'failed')`,
      [migrationId],
    );
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new MigrationError(
        'MIGRATION_IN_PROGRESS',
        `event type '${record.eventType}' has another migration running or being undone`,
      );
    }
    throw error;
  }
  return getMigration(sql, migrationId);
};
