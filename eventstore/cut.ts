import type { Sql } from './sql.js';
import type { Cut } from './types.js';

/**
 * Takes a cut at the visibility horizon: every event in a transaction below it is committed,
 * and no transaction can get an id below it any more, so reading up to it is reproducible.
 */
export const takeCut = async (sql: Sql): Promise<Cut> => {
  const { rows } = await sql.query<{ horizon: number; taken_at: number }>({
    name: 'hindsight_cut',
    text: `select pg_snapshot_xmin(pg_current_snapshot()) as horizon,
            (extract(epoch from clock_timestamp()) * 1000)::int8 as taken_at`,
  });
  const row = rows[0];
  if (!row) throw new Error('no horizon returned');
  return { transactionId: row.horizon, takenAt: row.taken_at };
};
