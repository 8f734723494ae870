import { flushWal } from './flushWal.js';
import type { Sql } from './sql.js';
import type { Cut } from './types.js';

/**
 * Takes a cut at the visibility horizon: every event in a transaction below it is committed,
 * and no transaction can get an id below it any more, so reading up to it is reproducible.
 * The last condition holds across a crash only once the WAL written before the horizon was
 * read is on disk (ids whose WAL was lost are handed out again), so an unflushed one is flushed
 * before the cut is handed out.
 */
export const takeCut = async (sql: Sql): Promise<Cut> => {
  const { rows } = await sql.query<{ horizon: number; taken_at: number; durable: boolean }>({
    name: 'hindsight_cut',
    text: `select pg_snapshot_xmin(pg_current_snapshot()) as horizon,
            (extract(epoch from clock_timestamp()) * 1000)::int8 as taken_at,
            pg_current_wal_flush_lsn() >= pg_current_wal_insert_lsn() as durable`,
  });
  const row = rows[0];
  if (!row) throw new Error('no horizon returned');
  if (!row.durable) await flushWal(sql);
  return { transactionId: row.horizon, takenAt: row.taken_at };
};
