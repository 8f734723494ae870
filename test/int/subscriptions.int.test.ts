// Acceptance: a subscriber killed and restarted resumes from its checkpoint with nothing lost;
// the switch from catch-up to live loses and repeats nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { SubscribeResponse } from '../../gen/hindsight/v1/eventstore.js';
import { createEventStore, type EventStore } from '../../eventstore/eventStore.js';
import { createClient } from '../../eventstore/pool.js';
import type { NewEvent, Position, StoredEvent } from '../../eventstore/types.js';
import { storeCountingReads, type TestDatabase } from '../support/database.js';
import { useDatabaseAndServer } from '../support/grpcServer.js';
import { sleep, waitFor } from '../support/wait.js';

const batch = (n: number, tag: string): NewEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'Ticked', data: { tag, i } }));

const startSubscriber = (url: string, name: string, output: string): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/subscriber.ts', url, name, output], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });

const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

const committedIds = async (db: TestDatabase): Promise<string[]> =>
  (
    await db.pool.query<{ id: string }>(
      'select event_id::text as id from hindsight.events order by tx_id, global_position',
    )
  ).rows.map((r) => r.id);

/** The transaction ids of these events. */
const lastTransactions = async (db: TestDatabase, ids: readonly string[]): Promise<number[]> =>
  (
    await db.pool.query<{ tx: string }>(
      'select tx_id::text as tx from hindsight.events where event_id = any($1::uuid[])',
      [ids],
    )
  ).rows.map((r) => Number(r.tx));

/** Follows the log from its start, handing each page of events to `take` before the next. */
const startFollowing = (
  store: EventStore,
  filter: Omit<Parameters<EventStore['follow']>[0], 'after' | 'signal' | 'readNow'>,
  take: (events: StoredEvent[]) => unknown = () => undefined,
): { readNow: () => Promise<Position>; stop: () => Promise<void> } => {
  let readNow = (): Promise<Position> => Promise.reject(new Error('not started'));
  const controller = new AbortController();
  const running = (async () => {
    for await (const item of store.follow({
      ...filter,
      after: { transactionId: 0, globalPosition: 0 },
      signal: controller.signal,
      readNow: (read) => (readNow = read),
    })) {
      if (item.kind === 'events') await take(item.events);
    }
  })();
  // Held until stop() returns it: a reader that fails is the test's failure, not a stray error.
  running.catch(() => undefined);
  const stop = async (): Promise<void> => {
    controller.abort();
    await running;
  };
  // A test that fails before it stops its reader still stops it before the database goes.
  onTestFinished(() => stop().catch(() => undefined));
  return { readNow: () => readNow(), stop };
};

/**
 * A new reader of a store counting its reads has read twice once it waits quietly: its first
 * read, and the one every reader makes once the store's LISTEN has taken effect.
 */
const caughtUpAndListening = (checkouts: () => number): Promise<void> =>
  waitFor(() => checkouts() >= 2, 30_000, 'the reader caught up and listening');

describe('subscriptions', () => {
  const t = useDatabaseAndServer({ pollIntervalMs: 100 });

  it('resumes after SIGKILL from its durable checkpoint, losing nothing', async () => {
    for (let i = 0; i < 40; i++) await t.db.store.append(`tick-${i % 4}`, batch(50, `before-${i}`));
    const output = path.join(mkdtempSync(path.join(tmpdir(), 'hs-sub-')), 'seen.txt');

    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await t.db.store.append(`tick-${i % 4}`, batch(5, `during-${i}`));
        await sleep(10);
      }
    })();

    const first = startSubscriber(t.db.url, 'crash-test', output);
    await waitFor(() => lines(output).length >= 600, 30_000, 'the first subscriber to get going');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const seenBeforeKill = lines(output).length;
    expect(seenBeforeKill).toBeLessThan(2000); // killed mid-stream, not after the end

    const checkpoint = await t.db.store.loadCheckpoint('crash-test');
    expect(checkpoint).not.toBeNull();

    const second = startSubscriber(t.db.url, 'crash-test', output);
    await sleep(500);
    writing = false;
    await writer;
    const all = await committedIds(t.db);
    await waitFor(
      () => new Set(lines(output)).size >= all.length,
      30_000,
      'the restarted subscriber to catch up',
    );
    await sleep(300);
    second.kill('SIGTERM');
    await new Promise((resolve) => second.once('exit', resolve));

    const seen = lines(output);
    expect(new Set(seen)).toEqual(new Set(all));
    // At-least-once: only the batch in flight at the kill may come twice.
    expect(seen.length - all.length).toBeLessThanOrEqual(25);
    // Order: first deliveries follow the global order.
    const firstSeen = [...new Set(seen)];
    expect(firstSeen).toEqual(all);
  });

  it('switches from catch-up to live without losing or repeating an event', async () => {
    const before = (await committedIds(t.db)).length;
    for (let i = 0; i < 10; i++)
      await t.db.store.append(`switch-${i % 3}`, batch(30, `catchup-${i}`));

    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await t.db.store.append(`switch-${i % 3}`, batch(2, `live-${i}`));
        await sleep(3);
      }
    })();

    const received: string[] = [];
    let caughtUp = 0;
    const call = t.server.client.subscribe({
      start: { $case: 'after', after: { transactionId: 0, globalPosition: 0 } },
      eventTypes: [],
      categories: ['switch'],
      skipUpcastFailures: false,
    });
    call.on('data', (response: SubscribeResponse) => {
      if (response.message?.$case === 'caughtUp') caughtUp += 1;
      if (response.message?.$case === 'events')
        received.push(...response.message.events.events.map((e) => e.eventId));
    });
    call.on('error', () => undefined);

    await waitFor(() => caughtUp === 1, 20_000, 'the subscription to catch up');
    await sleep(400); // live for a while, with appends still going on
    writing = false;
    await writer;
    const { rows } = await t.db.pool.query<{ id: string }>(
      `select event_id::text as id from hindsight.events where category = 'switch' order by tx_id, global_position`,
    );
    const expected = rows.map((r) => r.id);
    await waitFor(() => received.length >= expected.length, 10_000, 'live delivery');
    await sleep(300);
    call.cancel();

    expect(before).toBeGreaterThan(0);
    expect(caughtUp).toBe(1);
    expect(received).toEqual(expected);
  });

  it('over gRPC, a named subscription resumes after its saved checkpoint', async () => {
    await t.db.store.append('named-1', batch(5, 'a'));
    const first = t.server.client.subscribe({
      start: { $case: 'subscriptionName', subscriptionName: 'grpc-named' },
      eventTypes: [],
      categories: ['named'],
      skipUpcastFailures: false,
    });
    const got: SubscribeResponse[] = [];
    first.on('data', (r: SubscribeResponse) => got.push(r));
    first.on('error', () => undefined);
    await waitFor(() => got.some((r) => r.message?.$case === 'caughtUp'), 10_000, 'catch-up');
    const batchMessage = got.find((r) => r.message?.$case === 'events');
    if (batchMessage?.message?.$case !== 'events') throw new Error('no events received');
    expect(batchMessage.message.events.events.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
    await t.server.calls.saveCheckpoint({
      subscriptionName: 'grpc-named',
      position: batchMessage.message.events.checkpoint,
    });
    first.cancel();

    await t.db.store.append('named-1', batch(2, 'b'));
    const second = t.server.client.subscribe({
      start: { $case: 'subscriptionName', subscriptionName: 'grpc-named' },
      eventTypes: [],
      categories: ['named'],
      skipUpcastFailures: false,
    });
    const versions: number[] = [];
    second.on('data', (r: SubscribeResponse) => {
      if (r.message?.$case === 'events')
        versions.push(...r.message.events.events.map((e) => e.streamVersion));
    });
    second.on('error', () => undefined);
    await waitFor(() => versions.length >= 2, 10_000, 'the resumed subscription');
    second.cancel();
    expect(versions).toEqual([6, 7]);
    const stored = await t.server.calls.getCheckpoint({ subscriptionName: 'grpc-named' });
    expect(stored.position).toEqual(batchMessage.message.events.checkpoint);
  });

  it('is woken by NOTIFY from another event store instance, and by polling when no one notifies', async () => {
    // A reader that would poll only once a minute: only a notification can wake it quickly.
    const sleepy = createEventStore({
      pool: t.db.pool,
      listenClient: () => createClient(t.db.url),
      pollIntervalMs: 60_000,
    });
    const polling = createEventStore({
      pool: t.db.pool,
      listenClient: () => createClient(t.db.url),
      pollIntervalMs: 150,
    });
    const got: string[] = [];
    const polled: string[] = [];
    const controller = new AbortController();
    const consume = async (store: EventStore, into: string[]) => {
      for await (const item of store.follow({
        after: { transactionId: 0, globalPosition: 0 },
        categories: ['wake'],
        signal: controller.signal,
      })) {
        if (item.kind === 'events') into.push(...item.events.map((e) => e.eventId));
      }
    };
    const running = Promise.all([consume(sleepy, got), consume(polling, polled)]);
    await sleep(300); // both caught up and waiting

    const started = Date.now();
    const { eventIds } = await t.db.store.append('wake-1', batch(1, 'notified'));
    await waitFor(() => got.includes(eventIds[0]!), 5_000, 'the notified reader');
    expect(Date.now() - started).toBeLessThan(2_000);

    // An append that announces nothing (straight through SQL) still reaches the polling reader.
    const { rows } = await t.db.pool.query<{ positions: number[] }>(
      `select positions from hindsight.append_to_stream('wake-2', 'wake', 'any', null, $1)`,
      [
        JSON.stringify([
          {
            id: '0190aaaa-0000-7000-8000-000000000001',
            type: 'Silent',
            schema_version: 1,
            occurred_at: null,
            data: {},
            metadata: {},
          },
        ]),
      ],
    );
    expect(rows[0]?.positions).toHaveLength(1);
    await waitFor(
      () => polled.includes('0190aaaa-0000-7000-8000-000000000001'),
      5_000,
      'the polling reader',
    );

    controller.abort();
    await running;
    await sleepy.close();
    await polling.close();
  });

  it('sleeps through appends of other types and categories, and reads at once when poked', async () => {
    const { store, checkouts, close } = storeCountingReads(t.db);
    const other = createEventStore({
      pool: t.db.pool,
      listenClient: () => createClient(t.db.url),
    });
    const got: string[] = [];
    const follower = startFollowing(
      store,
      { categories: ['quiet'], eventTypes: ['Ticked'] },
      (events) => {
        got.push(...events.map((e) => e.eventId));
      },
    );
    await caughtUpAndListening(checkouts);

    const before = checkouts();
    // Another category through this store (woken locally) and through another (NOTIFY), and
    // this category with another type.
    for (let i = 0; i < 10; i++) {
      await store.append(`noisy-${i}`, batch(1, 'local'));
      await other.append(`noisy-${i}`, batch(1, 'notified'));
      await other.append('quiet-1', [{ type: 'Tocked', data: { i } }]);
    }
    await sleep(300);
    expect(checkouts()).toBe(before);
    expect(got).toEqual([]);

    // Asked to, it reads at once, up to the horizon as of the call.
    const horizon = (await store.cut()).transactionId;
    const read = await follower.readNow();
    expect(checkouts()).toBeGreaterThan(before);
    expect(read.transactionId).toBeGreaterThanOrEqual(horizon);

    // It polls once a minute: a delivery well before that is the notification's.
    const { eventIds } = await other.append('quiet-2', batch(1, 'wanted'));
    await waitFor(() => got.includes(eventIds[0]!), 30_000, 'the reader woken by its own type');
    expect(got).toEqual(eventIds);

    await follower.stop();
    await expect(follower.readNow()).rejects.toThrow('the log reader stopped');
    await close();
    await other.close();
  });

  it('reads once per read-now, without the re-reads that follow an announced commit', async () => {
    const { store, checkouts, close } = storeCountingReads(t.db);
    const follower = startFollowing(store, { categories: ['unread'] });
    await caughtUpAndListening(checkouts);
    for (let i = 0; i < 3; i++) {
      const before = checkouts();
      await follower.readNow();
      await sleep(600);
      expect(checkouts() - before).toBe(1);
    }
    await follower.stop();
    await close();
  });

  it('answers a read-now only once the events committed before it were taken', async () => {
    // The appends' announcements may wake it too, but an answer must not come before a read
    // begun after the call, and its events taken by a slow consumer.
    const { store, close } = storeCountingReads(t.db);
    const taken: string[] = [];
    const follower = startFollowing(
      store,
      { categories: ['asked'], batchSize: 7 },
      async (events) => {
        await sleep(5); // a slow consumer: the answer must wait for it
        taken.push(...events.map((e) => e.eventId));
      },
    );
    await follower.readNow();
    for (let round = 0; round < 5; round++) {
      // Several pages' worth, through another store.
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        ids.push(...(await t.db.store.append(`asked-${round}`, batch(5, `r${round}`))).eventIds);
      }
      // Concurrent calls share reads; each sees everything committed before it.
      const answers = await Promise.all([
        follower.readNow(),
        follower.readNow(),
        follower.readNow(),
      ]);
      expect(taken).toEqual(expect.arrayContaining(ids));
      // At or past the last one: a read that ends with events, before its horizon is durable,
      // ends at its last event (see readAll).
      for (const answer of answers) {
        expect(answer.transactionId).toBeGreaterThanOrEqual(
          Math.max(...(await lastTransactions(t.db, ids))),
        );
      }
    }
    await follower.stop();
    await close();
  });

  it('re-reads soon when an announced commit is still hidden behind an older open transaction', async () => {
    // Polls once a minute: only the re-reads after an announcement can deliver well before that.
    const { store, checkouts, close } = storeCountingReads(t.db);
    const got: string[] = [];
    const follower = startFollowing(store, { categories: ['held'] }, (events) => {
      got.push(...events.map((e) => e.eventId));
    });
    await caughtUpAndListening(checkouts);

    // An open transaction with an id holds the horizon back, and announces nothing when it ends.
    const holder = new pg.Client({ connectionString: t.db.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query('select pg_current_xact_id()');
    const before = checkouts();
    const { eventIds } = await store.append('held-1', batch(1, 'behind the horizon'));
    // The announcement's read and a re-read after it have both found it hidden.
    await waitFor(() => checkouts() - before >= 2, 30_000, 'the re-reads after the announcement');
    expect(got).toEqual([]); // committed, but not yet below the horizon
    await holder.query('commit');
    await holder.end();
    await waitFor(() => got.includes(eventIds[0]!), 30_000, 'delivery after the horizon moved');

    await follower.stop();
    await close();
  });
});
