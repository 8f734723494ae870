// One LISTEN connection per process wakes the live readers an append concerns when it commits.
// Notifications are hints: readers still poll, so a lost connection only costs latency.
// Each announcement names the event types and categories appended, so a reader of some types
// sleeps through the appends of others (a server full of appends would otherwise re-read the
// log for every one of them, for each of its readers).
import type pg from 'pg';
import type { Sql } from './sql.js';
import type { LogFilter } from './types.js';

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
  /** Changes whenever an append the reader may want may have committed. */
  generation(): number;
  /** Resolves once the generation differs from `since`, after `timeoutMs`, or on abort. */
  waitForChange(since: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
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

export const createLogNotifier = (
  connect: () => pg.Client,
  onError: (error: Error) => void = () => undefined,
): LogNotifier => {
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  const watches = new Set<{ filter: LogFilter; bump: () => void }>();

  const changed = (change: LogChange): void => {
    for (const watch of watches) if (concerns(watch.filter, change)) watch.bump();
  };

  const listen = async (): Promise<void> => {
    const next = connect();
    next.on('notification', ({ payload }) => changed(decodeChange(payload)));
    next.on('error', (error) => {
      onError(error);
      if (client === next) client = undefined;
      changed(null); // readers re-poll; the next wait reconnects
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
    watch: (filter) => {
      let generation = 0;
      const waiters = new Set<() => void>();
      const wakeAll = (): void => {
        for (const wake of waiters) wake();
        waiters.clear();
      };
      const entry = {
        filter,
        bump: () => {
          generation += 1;
          wakeAll();
        },
      };
      watches.add(entry);
      return {
        generation: () => generation,
        poke: wakeAll,
        waitForChange: (since, timeoutMs, signal) => {
          ensureListening();
          if (generation !== since || signal?.aborted || closed) return Promise.resolve();
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
        close: () => {
          watches.delete(entry);
          entry.bump();
        },
      };
    },
    wakeLocal: changed,
    close: async () => {
      closed = true;
      changed(null);
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
