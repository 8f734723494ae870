// Migrates a migration's next batch: originals kept in `event_revisions`, upcast payloads stored,
// the cursor moved, all in one transaction.
import type pg from 'pg';
import type { UpcasterRegistry } from '../upcasters.js';
import { inTransaction, lockMigration } from './batchTransaction.js';
import { failureOf, SELECT_EVENTS, upcastRow, type EventRow } from './eventsInScope.js';
import { toRecord } from './records.js';
import type { MigrationFailure, MigrationRecord } from './types.js';

export interface BatchResult {
  migrated: number;
  record: MigrationRecord;
  /** Nothing in scope is left after the cursor. */
  done: boolean;
  failure: MigrationFailure | null;
}

/**
 * Migrates the next batch after the migration's cursor in one transaction: originals into
 * `event_revisions`, upcast payloads into `events`, the cursor forward. The row lock on the
 * migration serialises two attempts of the same work, so no event is migrated twice. When an
 * upcaster throws, the rows before the failing one are committed and the failure returned: the
 * cursor stops right before it, and a later batch resumes there.
 */
export const migrateBatch = async (
  pool: pg.Pool,
  upcasters: UpcasterRegistry,
  { migrationId, batchSize }: { migrationId: string; batchSize: number },
): Promise<BatchResult> =>
  inTransaction(pool, async (client) => {
    const record = await lockMigration(client, migrationId, 'running');
    upcasters.checkTarget(record.eventType, record.toVersion);
    const { rows } = await client.query<EventRow>(`${SELECT_EVENTS} for update of e`, [
      record.eventType,
      record.cutTransactionId,
      record.toVersion,
      record.lastPosition.transactionId,
      record.lastPosition.globalPosition,
      batchSize,
    ]);
    const up = upcastRow(upcasters, record.eventType, record.toVersion);
    const positions: string[] = [];
    const payloads: string[] = [];
    let failure: MigrationFailure | null = null;
    let last: EventRow | undefined;
    for (const row of rows) {
      try {
        payloads.push(JSON.stringify(up(row)));
      } catch (error) {
        failure = failureOf(row, error);
        break;
      }
      positions.push(row.global_position);
      last = row;
    }
    if (positions.length > 0 && last) {
      await client.query(
        /* sql */ `insert into hindsight.event_revisions
          (migration_id, global_position, tx_id, event_id, schema_version, data)
          select $1, e.global_position, e.tx_id, e.event_id, e.schema_version, e.data
            from hindsight.events e where e.global_position = any($2::bigint[])`,
        [migrationId, positions],
      );
      await client.query(
        /* sql */ `update hindsight.events e set data = u.data::jsonb, schema_version = $3
          from unnest($1::bigint[], $2::text[]) as u(position, data)
         where e.global_position = u.position and e.global_position = any($1::bigint[])`,
        [positions, payloads, record.toVersion],
      );
    }
    const { rows: updated } = await client.query(
      /* sql */ `update hindsight.migrations
          set migrated = migrated + $2,
              last_tx = coalesce($3::bigint, last_tx),
              last_position = coalesce($4::bigint, last_position),
              error = $5
        where migration_id = $1 returning *`,
      [
        migrationId,
        positions.length,
        last ? last.tx_id : null,
        last ? last.global_position : null,
        failure ? `stopped at event ${failure.eventId}: ${failure.message}` : null,
      ],
    );
    return {
      migrated: positions.length,
      record: toRecord(updated[0] as Record<string, unknown>),
      done: failure === null && rows.length < batchSize,
      failure,
    };
  });
