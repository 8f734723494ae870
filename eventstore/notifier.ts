// One LISTEN connection per process wakes every live reader when an append commits.
// Notifications are hints: readers still poll, so a lost connection only costs latency.
import type pg from 'pg';
import type { Sql } from './sql.js';

export const EVENTS_CHANNEL = 'hindsight_events';

export interface LogNotifier {
  /** Changes whenever an append may have committed. */
  generation(): number;
  /** Wakes this process's readers at once (another process's readers wait for NOTIFY). */
  wakeLocal(): void;
  /** Resolves once the generation differs from `since`, after `timeoutMs`, or on abort. */
  waitForChange(since: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export const createLogNotifier = (
  connect: () => pg.Client,
  onError: (error: Error) => void = () => undefined,
): LogNotifier => {
  let generation = 0;
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  const waiters = new Set<() => void>();

  const bump = (): void => {
    generation += 1;
    for (const wake of waiters) wake();
    waiters.clear();
  };

  const listen = async (): Promise<void> => {
    const next = connect();
    next.on('notification', bump);
    next.on('error', (error) => {
      onError(error);
      if (client === next) client = undefined;
      bump(); // readers re-poll; the next wait reconnects
    });
    await next.connect();
    await next.query(`listen ${EVENTS_CHANNEL}`);
    if (closed) {
      await next.end();
      return;
    }
    client = next;
  };

  const ensureListening = (): void => {
    if (client || connecting || closed) return;
    connecting = listen()
      .catch((error: Error) => onError(error))
      .finally(() => {
        connecting = undefined;
      });
  };

  return {
    generation: () => generation,
    wakeLocal: bump,
    waitForChange: (since, timeoutMs, signal) => {
      ensureListening();
      if (generation !== since || signal?.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
    close: async () => {
      closed = true;
      bump();
      await connecting;
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
};

// A transaction that only notifies, committed asynchronously: it holds the notify lock for
// microseconds instead of through a WAL flush. Losing it in a crash loses only a wake-up.
const ANNOUNCE = `select set_config('synchronous_commit', 'off', true), pg_notify('${EVENTS_CHANNEL}', '')`;

/**
 * Announces committed appends to other processes' readers. Concurrent announcements coalesce:
 * at most one NOTIFY is in flight, and one more follows (at most every `minIntervalMs`) if
 * appends committed meanwhile.
 */
export const createCommitAnnouncer = (
  sql: Sql,
  onError: (error: Error) => void = () => undefined,
  minIntervalMs = 2,
): (() => void) => {
  let inFlight = false;
  let again = false;
  const send = async (): Promise<void> => {
    inFlight = true;
    try {
      do {
        again = false;
        const started = Date.now();
        await sql.query(ANNOUNCE).catch((error: Error) => onError(error));
        // Under load, one announcement covers every append of the last few milliseconds.
        const rest = minIntervalMs - (Date.now() - started);
        if (again && rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      } while (again);
    } finally {
      inFlight = false;
    }
  };
  return () => {
    if (inFlight) again = true;
    else void send();
  };
};
