// Migration records as stored in `hindsight.migrations`: the row mapping, and reading one, a
// list, or the one an event type has active.
import type { Sql } from '../../sql.js';
import { MigrationError } from './migrationError.js';
import type { MigrationRecord, MigrationStatus } from './types.js';

export const toRecord = (row: Record<string, unknown>): MigrationRecord => ({
  migrationId: row.migration_id as string,
  eventType: row.event_type as string,
  toVersion: Number(row.to_version),
  cutTransactionId: Number(row.cut_tx),
  status: row.status as MigrationStatus,
  total: Number(row.total),
  migrated: Number(row.migrated),
  restored: Number(row.restored),
  restorePosition: Number(row.restore_position),
  lastPosition: {
    transactionId: Number(row.last_tx),
    globalPosition: Number(row.last_position),
  },
  digestBefore: (row.digest_before as string | null) ?? null,
  digestAfter: (row.digest_after as string | null) ?? null,
  error: (row.error as string | null) ?? null,
  startedAt: (row.started_at as Date).getTime(),
  finishedAt: row.finished_at ? (row.finished_at as Date).getTime() : null,
});

export const getMigration = async (sql: Sql, migrationId: string): Promise<MigrationRecord> => {
  const { rows } = await sql.query('select * from hindsight.migrations where migration_id = $1', [
    migrationId,
  ]);
  const row = rows[0] as Record<string, unknown> | undefined;
  if (!row) throw new MigrationError('MIGRATION_NOT_FOUND', `migration '${migrationId}' not found`);
  return toRecord(row);
};

export const listMigrations = async (
  sql: Sql,
  { eventType, limit = 50 }: { eventType?: string; limit?: number } = {},
): Promise<MigrationRecord[]> => {
  const { rows } = await sql.query(
    /* sql */ `select * from hindsight.migrations
      where $1::text is null or event_type = $1
      order by started_at desc, migration_id limit $2`,
    [eventType ?? null, limit],
  );
  return rows.map((row) => toRecord(row as Record<string, unknown>));
};

/**
 * The migration of an event type that is running or being undone, if any: a second one would
 * fight over the same rows (the partial unique index refuses it too, but only once it starts).
 */
export const findActiveMigration = async (
  sql: Sql,
  eventType: string,
): Promise<{ migrationId: string; status: string } | null> => {
  const { rows } = await sql.query<{ migration_id: string; status: string }>(
    /* sql */ `select migration_id, status from hindsight.migrations
      where event_type = $1 and status in ('running', 'undoing') limit 1`,
    [eventType],
  );
  const row = rows[0];
  return row ? { migrationId: row.migration_id, status: row.status } : null;
};
