// Undoes a migration's next batch: originals from `event_revisions` back into `events`, in one
// transaction that moves the undo's cursor.
import type pg from 'pg';
import { inTransaction, lockMigration } from './batchTransaction.js';
import { toRecord } from './records.js';
import type { MigrationRecord } from './types.js';

/** Restores the next batch of originals, exactly as they were stored. */
export const undoBatch = async (
  pool: pg.Pool,
  { migrationId, batchSize }: { migrationId: string; batchSize: number },
): Promise<{ restored: number; record: MigrationRecord; done: boolean }> =>
  inTransaction(pool, async (client) => {
    const record = await lockMigration(client, migrationId, 'undoing');
    const { rows } = await client.query<{ global_position: string }>(
      /* sql */ `with r as (
          select global_position, schema_version, data from hindsight.event_revisions
           where migration_id = $1 and global_position > $2::bigint
           order by global_position limit $3)
        update hindsight.events e set data = r.data, schema_version = r.schema_version
          from r where e.global_position = r.global_position
        returning e.global_position`,
      [migrationId, record.restorePosition, batchSize],
    );
    const last = rows.reduce((max, row) => Math.max(max, Number(row.global_position)), 0);
    const { rows: updated } = await client.query(
      /* sql */ `update hindsight.migrations
          set restored = restored + $2, restore_position = greatest(restore_position, $3)
        where migration_id = $1 returning *`,
      [migrationId, rows.length, last],
    );
    return {
      restored: rows.length,
      record: toRecord(updated[0] as Record<string, unknown>),
      done: rows.length < batchSize,
    };
  });
