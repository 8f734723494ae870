// What became readable in the log since an earlier horizon: live readers' safety net for
// commits that no notification announced, one query for all of a process's readers.
import type { Sql } from './sql.js';
import type { AppendedChange } from './notifier.js';

/** Beyond this many new events, the change is "anything" rather than their names. */
const MAX_LISTED = 10_000;

/** The visibility horizon: every transaction below it has ended. */
export const readHorizon = async (sql: Sql): Promise<number> => {
  const { rows } = await sql.query<{ horizon: string }>({
    name: 'hindsight_horizon',
    text: 'select pg_snapshot_xmin(pg_current_snapshot())::text as horizon',
  });
  return Number(rows[0]?.horizon);
};

export interface VisibleSince {
  horizon: number;
  /**
   * The types and categories of the events that were not below `since` and are below the
   * horizon now (empty sets: none), or null when there are too many to list.
   */
  change: AppendedChange | null;
}

/**
 * Reads see exactly the events below the horizon at their read, and the horizon only rises
 * (but see notifier.ts on a crash), so a reader that read after `since` was taken can have
 * missed only what this lists.
 */
export const visibleSince = async (sql: Sql, since: number): Promise<VisibleSince> => {
  const { rows } = await sql.query<{
    horizon: string;
    listed: number;
    types: string[];
    categories: string[];
  }>({
    name: 'hindsight_visible_since',
    text: /* sql */ `
      with h as (select pg_snapshot_xmin(pg_current_snapshot()) as horizon),
      w as (
        select e.event_type, e.category
          from hindsight.events e, h
         where e.tx_id >= $1::text::xid8 and e.tx_id < h.horizon
         limit $2
      )
      select h.horizon::text as horizon,
             (select count(*) from w)::int as listed,
             coalesce((select array_agg(distinct event_type) from w), '{}') as types,
             coalesce((select array_agg(distinct category) from w), '{}') as categories
        from h`,
    values: [since, MAX_LISTED + 1],
  });
  const row = rows[0];
  if (!row) throw new Error('no horizon returned');
  return {
    horizon: Number(row.horizon),
    change:
      row.listed > MAX_LISTED
        ? null
        : { eventTypes: new Set(row.types), categories: new Set(row.categories) },
  };
};
