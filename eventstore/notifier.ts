// One LISTEN connection per process wakes the live readers an append concerns when it commits.
// Readers do not poll while it listens: the process looks for unannounced commits every few
// seconds with one query for all of them (idle readers cost nothing), and while the connection
// is down each reader polls often, re-reading once when it is back.
// Each announcement names the event types and categories appended, so a reader of some types
// sleeps through the appends of others (a server full of appends would otherwise re-read the
// log for every one of them, for each of its readers).
import type pg from 'pg';
import type { Sql } from './sql.js';
import type { LogFilter } from './types.js';
import { readHorizon, visibleSince } from './visibleSince.js';

export const EVENTS_CHANNEL = 'hindsight_events';

/** What committed appends wrote, by event type and category. */
export interface AppendedChange {
  eventTypes: ReadonlySet<string>;
  categories: ReadonlySet<string>;
}

/** An appended change, or null when unknown, which concerns every reader. */
export type LogChange = AppendedChange | null;

/**
 * True when a reader of `filter` may have new events after `change`. As for reads, a missing
 * or empty list of types or categories means all of them.
 */
export const concerns = (filter: LogFilter, change: LogChange): boolean => {
  if (change === null) return true;
  const { eventTypes, categories } = filter;
  const matches = (wanted: readonly string[] | undefined, written: ReadonlySet<string>) =>
    !wanted?.length || wanted.some((name) => written.has(name));
  return matches(eventTypes, change.eventTypes) && matches(categories, change.categories);
};

/** NOTIFY's payload limit is 8000 bytes; a longer list says "anything" (an empty payload). */
const MAX_PAYLOAD = 7900;

/** The payload announcing a change: `{"t":[types],"c":[categories]}`, or '' for anything. */
export const encodeChange = (change: LogChange): string => {
  if (change === null) return '';
  const payload = JSON.stringify({ t: [...change.eventTypes], c: [...change.categories] });
  return Buffer.byteLength(payload) <= MAX_PAYLOAD ? payload : '';
};

const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The change a payload announces; anything unreadable (e.g. '' or another format) is null. */
export const decodeChange = (payload: string | undefined): LogChange => {
  if (!payload) return null;
  try {
    const { t, c } = JSON.parse(payload) as { t?: unknown; c?: unknown };
    return isStrings(t) && isStrings(c) ? { eventTypes: new Set(t), categories: new Set(c) } : null;
  } catch {
    return null;
  }
};

/** One live reader's view of the notifications: the changes that concern its filter. */
export interface LogWatch {
  /** Changes whenever the reader should read again: an append it may want may have committed. */
  generation(): number;
  /**
   * Changes with each announced append (a subset of the generation's changes): the commit may
   * still be hidden behind an older open transaction, so a read that does not show it yet is
   * worth repeating soon. Other changes (the LISTEN connection was lost or is back, the
   * process's poll found unread events) ask for one read.
   */
  announced(): number;
  /**
   * Resolves once the generation differs from `since`, on abort, or after `timeoutMs` if
   * given. Without it, a wait ends only on a change while the LISTEN connection is up, and
   * after the fallback interval while it is not.
   */
  waitForChange(since: number, wait?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;
  /** Ends a wait at once without counting as a change: a caller needs a read now. */
  poke(): void;
  close(): void;
}

export interface LogNotifier {
  watch(filter: LogFilter): LogWatch;
  /** Wakes this process's readers at once (another process's readers wait for NOTIFY). */
  wakeLocal(change: LogChange): void;
  close(): Promise<void>;
}

export interface LogNotifierOptions {
  /**
   * While listening, how often the process looks for commits that no notification announced:
   * one query on the LISTEN connection, for all its readers, for the events that went below the
   * horizon since the last look (which also proves the connection alive). Readers do not poll.
   */
  pollIntervalMs?: number;
  /** How often each reader reads while the LISTEN connection is down or not listening yet. */
  fallbackPollIntervalMs?: number;
  onError?: (error: Error) => void;
}

export const DEFAULT_POLL_INTERVAL_MS = 5000;
export const DEFAULT_FALLBACK_POLL_INTERVAL_MS = 500;
/** A LISTEN connection that does not answer the poll within this is taken for dead. */
const POLL_TIMEOUT_MS = 5000;
/** After a lost connection or a failed attempt, the next attempt waits 100, 200 … 2000 ms. */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 2000;

interface WatchEntry {
  filter: LogFilter;
  bump(announced: boolean): void;
}

const withTimeout = <T>(promise: Promise<T>, ms: number, message: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
};

export const createLogNotifier = (
  connect: () => pg.Client,
  {
    pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
    fallbackPollIntervalMs = DEFAULT_FALLBACK_POLL_INTERVAL_MS,
    onError = () => undefined,
  }: LogNotifierOptions = {},
): LogNotifier => {
  const fallbackMs = Math.min(fallbackPollIntervalMs, pollIntervalMs);
  // Set only while the connection is up and LISTENing.
  let client: pg.Client | undefined;
  // The horizon at the last look: readers have had the chance to read everything below it.
  let horizon = 0;
  let connecting: Promise<void> | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectMs = RECONNECT_FIRST_MS;
  let closed = false;
  const watches = new Set<WatchEntry>();

  const changed = (change: LogChange, announced: boolean): void => {
    for (const watch of watches) if (concerns(watch.filter, change)) watch.bump(announced);
  };

  // Readers re-read once (a notification may have been lost) and poll until listening again.
  const drop = (which: pg.Client, error: Error): void => {
    if (client !== which) return;
    client = undefined;
    clearTimeout(pollTimer);
    pollTimer = undefined;
    onError(error);
    which.end().catch(() => undefined);
    changed(null, false);
    scheduleReconnect();
  };

  // Any reader that read after the last look saw everything below its horizon; what went
  // below the horizon since is what it may have missed. A horizon that fell (transaction ids
  // handed out again after a crash) concerns everyone.
  const poll = async (): Promise<void> => {
    pollTimer = undefined;
    const current = client;
    if (!current) return;
    if (watches.size > 0) {
      try {
        const seen = await withTimeout(
          visibleSince(current, horizon),
          POLL_TIMEOUT_MS,
          `the LISTEN connection did not answer within ${POLL_TIMEOUT_MS} ms`,
        );
        if (client !== current) return;
        const fell = seen.horizon < horizon;
        horizon = seen.horizon;
        if (fell || !seen.change) changed(null, false);
        else if (seen.change.eventTypes.size > 0) changed(seen.change, false);
      } catch (error) {
        drop(current, error instanceof Error ? error : new Error(String(error)));
        return;
      }
    }
    schedulePoll();
  };

  const schedulePoll = (): void => {
    if (pollTimer || !client || closed) return;
    pollTimer = setTimeout(() => void poll(), pollIntervalMs);
    pollTimer.unref();
  };

  const listen = async (): Promise<void> => {
    const next = connect();
    next.on('notification', ({ payload }) => changed(decodeChange(payload), true));
    next.on('error', (error) => drop(next, error));
    next.on('end', () => drop(next, new Error('the LISTEN connection closed')));
    let listening: number;
    try {
      await next.connect();
      await next.query(`listen ${EVENTS_CHANNEL}`);
      listening = await readHorizon(next);
    } catch (error) {
      next.end().catch(() => undefined);
      throw error;
    }
    if (closed) {
      await next.end();
      return;
    }
    client = next;
    horizon = listening;
    reconnectMs = RECONNECT_FIRST_MS;
    // What committed before LISTEN took effect announced itself to no one here: every reader
    // reads once, after the horizon the polls start from was taken.
    changed(null, false);
    schedulePoll();
  };

  const ensureListening = (): void => {
    if (client || connecting || closed) return;
    connecting = listen()
      .catch((error: Error) => {
        onError(error);
        scheduleReconnect();
      })
      .finally(() => {
        connecting = undefined;
      });
  };

  // Readers poll meanwhile; reconnecting does not wait for one of them to.
  function scheduleReconnect(): void {
    if (reconnectTimer || closed || watches.size === 0) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      ensureListening();
    }, reconnectMs);
    reconnectTimer.unref();
    reconnectMs = Math.min(reconnectMs * 2, RECONNECT_MAX_MS);
  }

  return {
    watch: (filter) => {
      let generation = 0;
      let announced = 0;
      const waiters = new Set<() => void>();
      const wakeAll = (): void => {
        for (const wake of waiters) wake();
        waiters.clear();
      };
      const entry: WatchEntry = {
        filter,
        bump: (isAnnouncement) => {
          generation += 1;
          if (isAnnouncement) announced += 1;
          wakeAll();
        },
      };
      watches.add(entry);
      return {
        generation: () => generation,
        announced: () => announced,
        poke: wakeAll,
        waitForChange: (since, { timeoutMs, signal } = {}) => {
          ensureListening();
          if (generation !== since || signal?.aborted || closed) return Promise.resolve();
          const limitMs = timeoutMs ?? (client ? undefined : fallbackMs);
          return new Promise<void>((resolve) => {
            const done = (): void => {
              clearTimeout(timer);
              waiters.delete(done);
              signal?.removeEventListener('abort', done);
              resolve();
            };
            const timer = limitMs === undefined ? undefined : setTimeout(done, limitMs);
            waiters.add(done);
            signal?.addEventListener('abort', done, { once: true });
          });
        },
        close: () => {
          watches.delete(entry);
          entry.bump(false);
        },
      };
    },
    wakeLocal: (change) => changed(change, true),
    close: async () => {
      closed = true;
      clearTimeout(pollTimer);
      clearTimeout(reconnectTimer);
      pollTimer = undefined;
      changed(null, false);
      await connecting;
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
};

// A transaction that only notifies, committed asynchronously: it holds the notify lock for
// microseconds instead of through a WAL flush. Losing it in a crash loses only a wake-up.
const ANNOUNCE = `select set_config('synchronous_commit', 'off', true), pg_notify('${EVENTS_CHANNEL}', $1)`;

/**
 * Announces committed appends to other processes' readers. Concurrent announcements coalesce:
 * at most one NOTIFY is in flight, and one more follows (at most every `minIntervalMs`) naming
 * everything appended meanwhile.
 */
export const createCommitAnnouncer = (
  sql: Sql,
  onError: (error: Error) => void = () => undefined,
  minIntervalMs = 2,
): ((appended: AppendedChange) => void) => {
  let inFlight = false;
  let eventTypes = new Set<string>();
  let categories = new Set<string>();
  const send = async (): Promise<void> => {
    inFlight = true;
    try {
      while (eventTypes.size > 0) {
        const payload = encodeChange({ eventTypes, categories });
        eventTypes = new Set();
        categories = new Set();
        const started = Date.now();
        await sql
          .query({ name: 'hindsight_announce', text: ANNOUNCE, values: [payload] })
          .catch((error: Error) => onError(error));
        // Under load, one announcement covers every append of the last few milliseconds.
        const rest = minIntervalMs - (Date.now() - started);
        if (eventTypes.size > 0 && rest > 0) {
          await new Promise((resolve) => setTimeout(resolve, rest));
        }
      }
    } finally {
      inFlight = false;
    }
  };
  return (appended) => {
    for (const type of appended.eventTypes) eventTypes.add(type);
    for (const category of appended.categories) categories.add(category);
    if (!inFlight) void send();
  };
};
