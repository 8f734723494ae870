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

/** Stores a subscription's checkpoint; it only ever moves forwards. */
export const saveCheckpoint = async (sql: Sql, name: string, position: Position): Promise<void> => {
  validateSubscriptionName(name);
  validatePosition(position, 'position');
  await sql.query(
    `insert into hindsight.checkpoints as c (subscription_name, tx_id, global_position)
     values ($1, $2::text::xid8, $3)
     on conflict (subscription_name) do update
        set tx_id = excluded.tx_id, global_position = excluded.global_position, updated_at = now()
      where (c.tx_id, c.global_position) < (excluded.tx_id, excluded.global_position)`,
    [name, position.transactionId, position.globalPosition],
  );
};
