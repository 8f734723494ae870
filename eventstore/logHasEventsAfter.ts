import type { Sql } from './sql.js';
import type { Position } from './types.js';

/**
 * Whether the log holds an event after `position` that a read would return now (below the
 * visibility horizon). Live readers' safety net for commits that no notification announced:
 * one index probe for all of a process's readers instead of a read by each of them.
 */
export const logHasEventsAfter = async (sql: Sql, position: Position): Promise<boolean> => {
  const { rows } = await sql.query<{ found: boolean }>({
    name: 'hindsight_log_has_events_after',
    text: `select exists (
             select 1 from hindsight.events e
              where (e.tx_id, e.global_position) > ($1::text::xid8, $2::bigint)
                and e.tx_id < pg_snapshot_xmin(pg_current_snapshot())) as found`,
    values: [position.transactionId, position.globalPosition],
  });
  return rows[0]?.found ?? true;
};
