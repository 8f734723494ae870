import { ValidationError } from './errors.js';
import type { Sql } from './sql.js';
import type { Position } from './types.js';
import { validatePosition, validateSubscriptionName } from './validation.js';

export interface StoredCheckpoint {
  position: Position;
  updatedAt: number;
}

export const loadCheckpoint = async (sql: Sql, name: string): Promise<StoredCheckpoint | null> => {
  validateSubscriptionName(name);
  const { rows } = await sql.query<{ tx_id: number; global_position: number; updated_at: number }>(
    `select tx_id, global_position, (extract(epoch from updated_at) * 1000)::int8 as updated_at
       from hindsight.checkpoints where subscription_name = $1`,
    [name],
  );
  const row = rows[0];
  return row
    ? {
        position: { transactionId: row.tx_id, globalPosition: row.global_position },
        updatedAt: row.updated_at,
      }
    : null;
};

/**
 * Stores a subscription's checkpoint; it only ever moves forwards. A position beyond the head of
 * the log is refused: its transaction id is above the visibility horizon, or at it past the
 * horizon's start (`horizon:0`, where a subscription from the end begins).
 */
export const saveCheckpoint = async (sql: Sql, name: string, position: Position): Promise<void> => {
  validateSubscriptionName(name);
  validatePosition(position, 'position');
  // One round trip: the horizon and the write in one statement; it writes only below the head.
  const { rows } = await sql.query<{ horizon: string }>(
    `with head as (select pg_snapshot_xmin(pg_current_snapshot()) as horizon),
     saved as (
       insert into hindsight.checkpoints as c (subscription_name, tx_id, global_position)
       select $1, $2::text::xid8, $3::bigint from head
        where $2::text::xid8 < head.horizon or ($2::text::xid8 = head.horizon and $3::bigint = 0)
       on conflict (subscription_name) do update
          set tx_id = excluded.tx_id, global_position = excluded.global_position, updated_at = now()
        where (c.tx_id, c.global_position) < (excluded.tx_id, excluded.global_position)
     )
     select horizon::text as horizon from head`,
    [name, position.transactionId, position.globalPosition],
  );
  const horizon = Number(rows[0]?.horizon);
  const { transactionId, globalPosition } = position;
  if (transactionId > horizon || (transactionId === horizon && globalPosition > 0)) {
    throw new ValidationError(
      'position',
      `${transactionId}:${globalPosition} is beyond the head of the log (its horizon is ${horizon}): ` +
        'a checkpoint is a position the subscriber has read up to',
    );
  }
};
