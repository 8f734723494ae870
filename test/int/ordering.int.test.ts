// Acceptance: writers whose transactions commit out of order, while ReadAll and Subscribe
// consumers run. Every consumer must see every committed event once, in one order.
import type { ClientReadableStream } from '@grpc/grpc-js';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { ReadAllResponse, SubscribeResponse } from '../../gen/hindsight/v1/eventstore.js';
import type { Position, RecordedEvent } from '../../eventstore/types.js';
import { useDatabaseAndServer } from '../support/grpcServer.js';
import { sleep, waitFor } from '../support/wait.js';

const WRITERS = 10;
const TRANSACTIONS_PER_WRITER = 12;
const STREAMS = ['order-1', 'order-2', 'order-3', 'invoice-1', 'invoice-2'];

interface Seen {
  eventId: string;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
}

interface Commit {
  transactionId: number;
  /** When COMMIT returned, in this process's clock. */
  at: number;
}

/**
 * One writer: each transaction appends through the real append function, then lingers for
 * `holdMs(i)` before committing, so transactions with lower ids commit after higher ones.
 */
const writer = async (
  url: string,
  seed: number,
  commits: Commit[],
  transactions = TRANSACTIONS_PER_WRITER,
  holdMs = (i: number) => (seed * 13 + i * 29) % 60,
): Promise<void> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < transactions; i++) {
      const stream = STREAMS[(seed * 7 + i * 3) % STREAMS.length]!;
      const events = Array.from({ length: 1 + ((seed + i) % 3) }, (_, n) => ({
        id: uuidv7(),
        type: 'Touched',
        schema_version: 1,
        occurred_at: null,
        data: { writer: seed, i, n },
        metadata: {},
      }));
      await client.query('begin');
      const { rows } = await client.query<{ tx_id: string }>(
        `select tx_id::text from hindsight.append_to_stream($1, split_part($1, '-', 1), 'any', null, $2)`,
        [stream, JSON.stringify(events)],
      );
      // Hold the transaction open for a while: later transactions commit first.
      await client.query('select pg_sleep($1)', [holdMs(i) / 1000]);
      await client.query('commit');
      commits.push({ transactionId: Number(rows[0]?.tx_id), at: performance.now() });
    }
  } finally {
    await client.end();
  }
};

const toSeen = (e: {
  eventId: string;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
}): Seen => ({
  eventId: e.eventId,
  streamId: e.streamId,
  streamVersion: e.streamVersion,
  globalPosition: e.globalPosition,
});

describe('global order with transactions committing out of order', () => {
  const t = useDatabaseAndServer({ pollIntervalMs: 100 });

  it('delivers every committed event exactly once, in one consistent order, to every consumer', async () => {
    const viaSubscribe: Seen[] = [];
    const viaLibrary: Seen[] = [];
    const viaReadAll: Seen[] = [];

    // Consumer 1: a gRPC Subscribe stream from the start of the log.
    const stream: ClientReadableStream<SubscribeResponse> = t.server.client.subscribe({
      start: { $case: 'after', after: { transactionId: 0, globalPosition: 0 } },
      eventTypes: [],
      categories: [],
      skipUpcastFailures: false,
    });
    stream.on('data', (response: SubscribeResponse) => {
      if (response.message?.$case === 'events')
        viaSubscribe.push(...response.message.events.events.map(toSeen));
    });
    stream.on('error', () => undefined);

    // Consumer 2: a named library subscription.
    const subscription = t.db.store.subscribe({
      name: 'ordering-test',
      batchSize: 7,
      handler: async (events: RecordedEvent[]) => {
        viaLibrary.push(...events.map(toSeen));
        await sleep(1);
      },
    });

    // Consumer 3: repeated gRPC ReadAll calls, each continuing from the last checkpoint.
    let writing = true;
    const poller = (async () => {
      let after: Position = { transactionId: 0, globalPosition: 0 };
      for (;;) {
        const done = !writing;
        const call = t.server.client.readAll({
          after,
          eventTypes: [],
          categories: [],
          limit: 0,
          untilTransactionId: 0,
          skipUpcastFailures: false,
        });
        for await (const page of call as AsyncIterable<ReadAllResponse>) {
          viaReadAll.push(...page.events.map(toSeen));
          if (page.checkpoint) after = page.checkpoint;
        }
        if (done) return;
        await sleep(15);
      }
    })();

    // One transaction that certainly commits late: it holds its low id for 400 ms while the
    // other writers, started after it, commit theirs.
    const commits: Commit[] = [];
    const late = writer(t.db.url, WRITERS, commits, 1, () => 400);
    await sleep(50);
    await Promise.all([
      late,
      ...Array.from({ length: WRITERS }, (_, i) => writer(t.db.url, i, commits)),
    ]);
    writing = false;
    await poller;

    const { rows } = await t.db.pool.query<Seen & { tx: number }>(
      `select event_id::text as "eventId", stream_id as "streamId", stream_version as "streamVersion",
              global_position as "globalPosition"
         from hindsight.events order by tx_id, global_position`,
    );
    const expected = rows.map(toSeen);
    await waitFor(() => viaSubscribe.length >= expected.length, 10_000, 'the gRPC subscriber');
    await waitFor(() => viaLibrary.length >= expected.length, 10_000, 'the library subscriber');
    await sleep(300); // anything extra (a duplicate) would arrive now
    stream.cancel();
    await subscription.stop();

    for (const [name, seen] of Object.entries({ viaSubscribe, viaLibrary, viaReadAll })) {
      expect(seen, name).toEqual(expected);
      expect(new Set(seen.map((e) => e.eventId)).size, name).toBe(seen.length);
    }
    // Per stream, versions arrive ascending and without gaps.
    const versions = new Map<string, number>();
    for (const event of expected) {
      expect(event.streamVersion).toBe((versions.get(event.streamId) ?? 0) + 1);
      versions.set(event.streamId, event.streamVersion);
    }
    // The test really produced late commits: a transaction committed after one with a higher id.
    const lateCommits = commits.filter((a) =>
      commits.some((b) => b.transactionId > a.transactionId && b.at < a.at),
    );
    expect(lateCommits.length).toBeGreaterThan(0);
    expect(expected.length - (1 + (WRITERS % 3))).toBe(
      Array.from({ length: WRITERS }, (_, w) =>
        Array.from({ length: TRANSACTIONS_PER_WRITER }, (_, i) => 1 + ((w + i) % 3)).reduce(
          (a, b) => a + b,
          0,
        ),
      ).reduce((a, b) => a + b, 0),
    );
  });
});
