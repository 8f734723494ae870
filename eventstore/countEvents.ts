import type { Sql } from './sql.js';
import type { LogFilter } from './types.js';

export interface CountEventsOptions extends LogFilter {
  /** Count only events below this cut's transaction id. */
  until: number;
}

/** How many committed events lie below a cut (and match the filter): a long read's total. */
export const countEvents = async (
  sql: Sql,
  { until, eventTypes, categories }: CountEventsOptions,
): Promise<number> => {
  const params: unknown[] = [until];
  const conditions = ['tx_id < $1::text::xid8'];
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
