import type { Sql } from './sql.js';

// A transaction that writes WAL and commits synchronously flushes the WAL up to its commit
// record, so everything inserted before it. (One that only takes a transaction id writes a
// commit record but, having written nothing else, commits asynchronously: no flush.) A logical
// message is the smallest such write, needs no table and no privilege, and decoders skip it.
const FLUSH = `select set_config('synchronous_commit', 'on', true),
  pg_logical_emit_message(true, 'hindsight', 'horizon')`;

/**
 * Makes every transaction id handed out so far durable: after a crash, PostgreSQL gives out
 * again the ids whose WAL never reached disk, so a horizon above one of them is only safe once
 * this returns.
 */
export const flushWal = async (sql: Sql): Promise<void> => {
  await sql.query({ name: 'hindsight_flush_wal', text: FLUSH });
};

interface Flushes {
  running?: Promise<void>;
  /** The flush that starts when the running one ends, shared by everyone who asked meanwhile. */
  queued?: Promise<void>;
}

const flushesBySql = new WeakMap<Sql, Flushes>();

/**
 * flushWal shared by a pool's callers: one flush at a time, and one more for all who asked while
 * it ran (their WAL may postdate its commit record), so a crowd of readers costs two flushes.
 */
export const flushWalTogether = (sql: Sql): Promise<void> => {
  let flushes = flushesBySql.get(sql);
  if (!flushes) {
    flushes = {};
    flushesBySql.set(sql, flushes);
  }
  const state = flushes;
  if (!state.running) {
    state.running = flushWal(sql).finally(() => {
      state.running = undefined;
    });
    return state.running;
  }
  state.queued ??= state.running
    .catch(() => undefined)
    .then(() => {
      state.queued = undefined;
      return flushWalTogether(sql);
    });
  return state.queued;
};
