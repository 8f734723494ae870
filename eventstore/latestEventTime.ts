import type { Sql } from './sql.js';

/**
 * The business time (`occurred_at`) of the newest committed event of these types: the log's own
 * clock, for work that must run "as of now" in a world whose time is not the wall clock's (a
 * replayed or simulated history). Every type when none is named. Null when there is none.
 * One index probe per type.
 */
export const latestEventTime = async (
  sql: Sql,
  eventTypes: readonly string[] | undefined,
): Promise<number | null> => {
  if (!eventTypes) {
    const { rows } = await sql.query<{ occurred_at: Date }>(
      'select occurred_at from hindsight.events order by tx_id desc, global_position desc limit 1',
    );
    return rows[0]?.occurred_at.getTime() ?? null;
  }
  const { rows } = await sql.query<{ occurred_at: Date | null }>(
    /* sql */ `
    select max(latest.occurred_at) as occurred_at
      from unnest($1::text[]) as t(event_type)
      cross join lateral (
        select occurred_at from hindsight.events e
         where e.event_type = t.event_type
         order by e.tx_id desc, e.global_position desc
         limit 1
      ) latest`,
    [eventTypes],
  );
  return rows[0]?.occurred_at?.getTime() ?? null;
};
