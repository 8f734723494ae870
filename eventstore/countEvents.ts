import type { Sql } from './sql.js';
import type { LogFilter, Position } from './types.js';

export interface CountEventsOptions extends LogFilter {
  /** Count only events below this cut's transaction id. */
  until: number;
  /** Count only events after this position of the log. */
  after?: Position;
}

/** How many committed events lie below a cut (and match the filter): a long read's total. */
export const countEvents = async (
  sql: Sql,
  { until, after, eventTypes, categories }: CountEventsOptions,
): Promise<number> => {
  const params: unknown[] = [until];
  const conditions = ['tx_id < $1::text::xid8'];
  if (after && (after.transactionId > 0 || after.globalPosition > 0)) {
    params.push(after.transactionId, after.globalPosition);
    conditions.push(
      `(tx_id, global_position) > ($${params.length - 1}::text::xid8, $${params.length}::bigint)`,
    );
  }
  if (eventTypes?.length) {
    params.push(eventTypes);
    conditions.push(`event_type = any($${params.length}::text[])`);
  }
  if (categories?.length) {
    params.push(categories);
    conditions.push(`category = any($${params.length}::text[])`);
  }
  const { rows } = await sql.query<{ count: number }>(
    `select count(*)::int8 as count from hindsight.events where ${conditions.join(' and ')}`,
    params,
  );
  return rows[0]?.count ?? 0;
};
