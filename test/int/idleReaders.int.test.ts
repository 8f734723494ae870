// Live readers wake on LISTEN and do not poll while it listens: idle, they read nothing; while
// the LISTEN connection is down they poll, and once it is back they re-read and go idle again.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, type EventStore } from '../../eventstore/eventStore.js';
import { createClient, createPool } from '../../eventstore/pool.js';
import type { NewEvent } from '../../eventstore/types.js';
import { countLogReads, createTestDatabase, type TestDatabase } from '../support/database.js';
import { sleep, waitFor } from '../support/wait.js';

const event = (tag: string): NewEvent[] => [{ type: 'Ticked', data: { tag } }];

interface WatchedStore {
  store: EventStore;
  /** Reads of the log (through its own read pool). */
  reads(): number;
  /** Queries on its LISTEN connections (LISTEN itself and the process's polls). */
  listenQueries(): number;
  /** While down, its LISTEN connection cannot be opened again. */
  setListenDown(down: boolean): void;
  /** Ends its LISTEN connection from the server side, as a failover or an operator would. */
  terminateListen(): Promise<void>;
  listenBackends(): Promise<number>;
  /** The process id of its LISTEN connection's backend. */
  listenPid(): Promise<number | undefined>;
  close(): Promise<void>;
}

/** A store in a process of its own, as far as notifications go: its own LISTEN connection. */
const watchedStore = (
  db: TestDatabase,
  options: { pollIntervalMs: number; fallbackPollIntervalMs: number },
): WatchedStore => {
  const reads = createPool({ connectionString: db.url, max: 4 });
  const logReads = countLogReads(reads);
  const applicationName = `idle-listen-${randomBytes(4).toString('hex')}`;
  const unreachable = new URL(db.url);
  unreachable.port = '1';
  let down = false;
  let queries = 0;
  const store = createEventStore({
    pool: db.pool,
    logReadPool: reads,
    listenClient: () => {
      const client = createClient(down ? unreachable.toString() : db.url, applicationName);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      client.query = ((...args: unknown[]) => {
        queries += 1;
        return query(...args);
      }) as typeof client.query;
      return client;
    },
    ...options,
  });
  const backends = `select pid from pg_stat_activity where application_name = $1`;
  return {
    store,
    reads: logReads,
    listenQueries: () => queries,
    setListenDown: (value) => (down = value),
    terminateListen: async () => {
      await db.pool.query(`select pg_terminate_backend(pid) from (${backends}) b`, [
        applicationName,
      ]);
    },
    listenBackends: async () => (await db.pool.query(backends, [applicationName])).rowCount ?? 0,
    listenPid: async () =>
      (await db.pool.query<{ pid: number }>(backends, [applicationName])).rows[0]?.pid,
    close: async () => {
      await store.close();
      await reads.end();
    },
  };
};

/** A live reader of some categories from the log's start, collecting the event ids it gets. */
const follow = (store: EventStore, categories: string[]) => {
  const got: string[] = [];
  let caughtUp = false;
  const controller = new AbortController();
  const running = (async () => {
    for await (const item of store.follow({
      after: { transactionId: 0, globalPosition: 0 },
      categories,
      signal: controller.signal,
    })) {
      if (item.kind === 'caught-up') caughtUp = true;
      if (item.kind === 'events') got.push(...item.events.map((e) => e.eventId));
    }
  })();
  return {
    got,
    caughtUp: () => caughtUp,
    stop: async () => {
      controller.abort();
      await running;
    },
  };
};

/** Appends through another store, so that only NOTIFY (or polling) can tell the reader. */
const appendElsewhere = async (db: TestDatabase, streamId: string): Promise<string> => {
  const { eventIds } = await db.store.append(streamId, event(streamId));
  const [id] = eventIds;
  if (!id) throw new Error('nothing appended');
  return id;
};

/**
 * Appends elsewhere and waits for `reader` to get it. What may deliver it is up to the test's
 * intervals (a poll of a minute cannot within the wait), never a measured time.
 */
const deliver = async (
  db: TestDatabase,
  reader: { got: string[] },
  streamId: string,
): Promise<void> => {
  const id = await appendElsewhere(db, streamId);
  await waitFor(() => reader.got.includes(id), 10_000, `delivery of ${streamId}`);
};

describe('idle live readers', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('read nothing while nothing is appended, and wake on an append', async () => {
    // The process looks for unannounced commits every second, with one query on its LISTEN
    // connection; before, each reader read the log every poll interval.
    const watched = watchedStore(db, { pollIntervalMs: 1000, fallbackPollIntervalMs: 200 });
    const readers = Array.from({ length: 30 }, (_, i) =>
      follow(watched.store, [i % 2 ? 'quiet' : 'idle']),
    );
    await waitFor(() => readers.every((r) => r.caughtUp()), 10_000, 'the readers to catch up');
    await waitFor(() => watched.listenQueries() > 0, 5_000, 'LISTEN');
    await sleep(500); // the one re-read when LISTEN took effect

    const reads = watched.reads();
    const queries = watched.listenQueries();
    await sleep(3000);
    expect(watched.reads() - reads).toBe(0);
    // About one poll a second for all 30 readers.
    expect(watched.listenQueries() - queries).toBeLessThanOrEqual(4);

    const [idle] = readers;
    if (!idle) throw new Error('no reader');
    await deliver(db, idle, 'idle-1');
    // The appended category's readers read; the others sleep through it.
    await sleep(300);
    expect(watched.reads() - reads).toBeLessThanOrEqual(15 * 3);
    // The next poll sees the event too and wakes the 15 readers of its category once more (it
    // cannot tell who read it); the others sleep on, and then everyone does.
    const afterAppend = watched.reads();
    await sleep(2500);
    expect(watched.reads() - afterAppend).toBeLessThanOrEqual(15);

    await Promise.all(readers.map((r) => r.stop()));
    await watched.close();
  });

  it('finds by its poll a commit that no notification announced', async () => {
    const watched = watchedStore(db, { pollIntervalMs: 1000, fallbackPollIntervalMs: 200 });
    const reader = follow(watched.store, ['unannounced']);
    await waitFor(() => reader.caughtUp(), 10_000, 'the reader to catch up');
    await waitFor(() => watched.listenQueries() > 0, 5_000, 'LISTEN');
    // Straight through SQL: no NOTIFY, no local wake-up.
    const id = '0190aaaa-0000-7000-8000-0000000000a1';
    await db.pool.query(
      `select positions from hindsight.append_to_stream('unannounced-1', 'unannounced', 'any', null, $1)`,
      [
        JSON.stringify([
          { id, type: 'Silent', schema_version: 1, occurred_at: null, data: {}, metadata: {} },
        ]),
      ],
    );
    // Nothing else can deliver it: no NOTIFY, and readers do not poll while LISTEN is up.
    await waitFor(() => reader.got.includes(id), 10_000, 'the unannounced event');
    await reader.stop();
    await watched.close();
  });

  it('find by the poll an announced commit hidden longer than the re-reads after it', async () => {
    const watched = watchedStore(db, { pollIntervalMs: 1000, fallbackPollIntervalMs: 200 });
    const reader = follow(watched.store, ['hidden']);
    await waitFor(() => reader.caughtUp(), 10_000, 'the reader to catch up');
    await waitFor(() => watched.listenQueries() > 0, 5_000, 'LISTEN');
    await sleep(300);

    // An open transaction with an id holds the horizon back, and announces nothing when it ends.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query('select pg_current_xact_id()');
    const reads = watched.reads();
    const { eventIds } = await watched.store.append('hidden-1', event('hidden'));
    await sleep(2000);
    expect(reader.got).toEqual([]);
    // The re-reads after the announcement (2, 4 … 256 ms), then nothing: no reader polls.
    expect(watched.reads() - reads).toBeLessThanOrEqual(10);
    await holder.query('commit');
    await holder.end();
    // Only the process's poll can deliver it now: the re-reads are over and nothing announces.
    await waitFor(() => reader.got.includes(eventIds[0] ?? ''), 10_000, 'the hidden commit');
    await reader.stop();
    await watched.close();
  });

  it('poll while LISTEN is down, and go back to LISTEN when it is back', async () => {
    const watched = watchedStore(db, { pollIntervalMs: 60_000, fallbackPollIntervalMs: 200 });
    const reader = follow(watched.store, ['outage']);
    await waitFor(() => reader.caughtUp(), 10_000, 'the reader to catch up');
    await waitFor(() => watched.listenQueries() > 0, 5_000, 'LISTEN');
    // With a poll of a minute, only NOTIFY delivers within the wait.
    await deliver(db, reader, 'outage-1');

    watched.setListenDown(true);
    await watched.terminateListen();
    await waitFor(async () => (await watched.listenBackends()) === 0, 10_000, 'the termination');
    await sleep(300);
    // No notification reaches it now: polling every 200 ms delivers.
    const reads = watched.reads();
    await deliver(db, reader, 'outage-2');
    await waitFor(() => watched.reads() - reads >= 4, 10_000, 'polling while LISTEN is down');

    watched.setListenDown(false);
    await waitFor(async () => (await watched.listenBackends()) === 1, 10_000, 'LISTEN again');
    const back = watched.reads();
    await sleep(2500);
    // One re-read on listening again (and at most one poll before LISTEN took effect), not the
    // re-reads that follow an announcement; then idle: the poll interval is a minute.
    expect(watched.reads() - back).toBeLessThanOrEqual(2);
    const after = watched.reads();
    await sleep(1000);
    expect(watched.reads() - after).toBe(0);
    await deliver(db, reader, 'outage-3'); // by NOTIFY again: nothing polls

    await reader.stop();
    await watched.close();
  });

  it('re-read once when LISTEN is back, for what committed while it was down', async () => {
    // Neither polls within the test: only the re-read after reconnecting delivers.
    const watched = watchedStore(db, { pollIntervalMs: 60_000, fallbackPollIntervalMs: 60_000 });
    const reader = follow(watched.store, ['gap']);
    await waitFor(() => reader.caughtUp(), 10_000, 'the reader to catch up');
    await waitFor(() => watched.listenQueries() > 0, 5_000, 'LISTEN');

    watched.setListenDown(true);
    await watched.terminateListen();
    await waitFor(async () => (await watched.listenBackends()) === 0, 10_000, 'the termination');
    await sleep(300); // the re-read on losing the connection is over
    const id = await appendElsewhere(db, 'gap-1');
    await sleep(1000);
    expect(reader.got).not.toContain(id); // its NOTIFY went to no one

    watched.setListenDown(false);
    await waitFor(() => reader.got.includes(id), 10_000, 'the re-read after reconnecting');
    await reader.stop();
    await watched.close();
  });
  it('take a LISTEN connection that stops answering for dead, and poll meanwhile', async () => {
    // A frozen backend (as behind a half-open TCP connection) reports no error: only the
    // process's poll, which times out after 5 s, finds out.
    const watched = watchedStore(db, { pollIntervalMs: 500, fallbackPollIntervalMs: 200 });
    const reader = follow(watched.store, ['frozen']);
    await waitFor(() => reader.caughtUp(), 10_000, 'the reader to catch up');
    await waitFor(() => watched.listenQueries() > 0, 5_000, 'LISTEN');
    const pid = await watched.listenPid();
    if (pid === undefined) throw new Error('no LISTEN backend');
    process.kill(pid, 'SIGSTOP');
    try {
      const id = await appendElsewhere(db, 'frozen-1');
      await sleep(1000);
      expect(reader.got).not.toContain(id); // its NOTIFY waits in a frozen backend
      // Only taking the frozen connection for dead (the poll's 5 s timeout) delivers it.
      await waitFor(() => reader.got.includes(id), 30_000, 'delivery without the frozen backend');
      // A new LISTEN connection is up beside the frozen one, and it wakes the reader at once.
      await waitFor(async () => (await watched.listenBackends()) === 2, 10_000, 'a new LISTEN');
      await sleep(300);
      await deliver(db, reader, 'frozen-2');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await reader.stop();
    await watched.close();
  });
});
