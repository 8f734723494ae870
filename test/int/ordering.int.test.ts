// Acceptance: writers whose transactions commit out of order, while ReadAll and Subscribe
// consumers run. Every consumer must see every committed event once, in one order.
import type { ClientReadableStream } from '@grpc/grpc-js';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadAllResponse, SubscribeResponse } from '../../gen/hindsight/v1/eventstore.js';
import type { Position, RecordedEvent } from '../../eventstore/types.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
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

/** One writer: each transaction appends through the real append function, then lingers. */
const writer = async (url: string, seed: number): Promise<void> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < TRANSACTIONS_PER_WRITER; i++) {
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
      await client.query(
        `select * from hindsight.append_to_stream($1, split_part($1, '-', 1), 'any', null, $2)`,
        [stream, JSON.stringify(events)],
      );
      // Hold the transaction open for a while: later transactions commit first.
      await client.query('select pg_sleep($1)', [((seed * 13 + i * 29) % 60) / 1000]);
      await client.query('commit');
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
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase({ pollIntervalMs: 100 });
    server = await startTestServer(db.store);
  });

  afterAll(async () => {
    await server.stop();
    await db.drop();
  });

  it('delivers every committed event exactly once, in one consistent order, to every consumer', async () => {
    const viaSubscribe: Seen[] = [];
    const viaLibrary: Seen[] = [];
    const viaReadAll: Seen[] = [];

    // Consumer 1: a gRPC Subscribe stream from the start of the log.
    const stream: ClientReadableStream<SubscribeResponse> = server.client.subscribe({
      start: { $case: 'after', after: { transactionId: 0, globalPosition: 0 } },
      eventTypes: [],
      categories: [],
    });
    stream.on('data', (response: SubscribeResponse) => {
      if (response.message?.$case === 'events')
        viaSubscribe.push(...response.message.events.events.map(toSeen));
    });
    stream.on('error', () => undefined);

    // Consumer 2: a named library subscription.
    const subscription = db.store.subscribe({
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
        const call = server.client.readAll({
          after,
          eventTypes: [],
          categories: [],
          limit: 0,
          untilTransactionId: 0,
        });
        for await (const page of call as AsyncIterable<ReadAllResponse>) {
          viaReadAll.push(...page.events.map(toSeen));
          if (page.checkpoint) after = page.checkpoint;
        }
        if (done) return;
        await sleep(15);
      }
    })();

    await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(db.url, i)));
    writing = false;
    await poller;

    const { rows } = await db.pool.query<Seen & { tx: number }>(
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
    // The test really produced late commits: commit order differs from position order.
    const inversions = expected.filter(
      (e, i) => i > 0 && e.globalPosition < expected[i - 1]!.globalPosition,
    );
    expect(inversions.length).toBeGreaterThan(0);
    expect(expected.length).toBe(
      Array.from({ length: WRITERS }, (_, w) =>
        Array.from({ length: TRANSACTIONS_PER_WRITER }, (_, i) => 1 + ((w + i) % 3)).reduce(
          (a, b) => a + b,
          0,
        ),
      ).reduce((a, b) => a + b, 0),
    );
  });
});
