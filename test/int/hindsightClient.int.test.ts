// The public client (`hindsight/client`) against a real server: partial requests filled with
// their defaults, unary calls as promises, streams as async iterables that a signal or a break
// ends, and refusals as HindsightErrors with the server's code, reason, metadata and field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHindsightClient, HindsightError, type HindsightClient } from 'hindsight/client';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';

const TOKEN = 'client-test-token';
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

let db: TestDatabase;
let server: TestServer;
let client: HindsightClient;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.store, { apiToken: TOKEN });
  client = createHindsightClient({ address: server.address, apiToken: TOKEN });
});

afterAll(async () => {
  client?.close();
  await server?.stop();
  await db?.drop();
});

/** What a call was rejected with; fails the test when it succeeded. */
const refusal = async (call: Promise<unknown>): Promise<HindsightError> => {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(HindsightError);
    return error as HindsightError;
  }
  throw new Error('expected the call to be refused');
};

describe('hindsight/client', () => {
  it('appends with a partial request and reads the stream back', async () => {
    const appended = await client.eventStore.append({
      streamId: 'order-1',
      events: [{ type: 'OrderPlaced', data: json({ total: 3 }) }],
    });
    expect(appended.streamVersion).toBe(1);
    const read = await client.eventStore.readStream({ streamId: 'order-1' });
    expect(read.events.map((e) => [e.eventId, e.type])).toEqual([
      [appended.eventIds[0], 'OrderPlaced'],
    ]);
    expect(JSON.parse(Buffer.from(read.events[0]!.data).toString())).toEqual({ total: 3 });
  });

  it('streams ReadAll as an async iterable that ends with the log', async () => {
    await client.eventStore.append({
      streamId: 'order-2',
      events: [{ type: 'OrderPlaced', data: json({}) }],
    });
    const streams: string[] = [];
    for await (const page of client.eventStore.readAll({ categories: ['order'] })) {
      streams.push(...page.events.map((e) => e.streamId));
    }
    // Both appends are below the horizon once no older transaction is open; they were awaited.
    expect(streams).toEqual(expect.arrayContaining(['order-1']));
  });

  it('ends a live subscription when the caller breaks out, and when its signal aborts', async () => {
    let caughtUp = 0;
    for await (const message of client.eventStore.subscribe({ categories: ['order'] })) {
      if (message.message?.$case === 'caughtUp') {
        caughtUp += 1;
        break;
      }
    }
    expect(caughtUp).toBe(1);

    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const message of client.eventStore.subscribe(
        { start: { $case: 'fromEnd', fromEnd: true }, categories: ['live'] },
        { signal: controller.signal },
      )) {
        if (message.message?.$case === 'caughtUp') {
          await client.eventStore.append({
            streamId: 'live-1',
            events: [{ type: 'Ticked', data: json({}) }],
          });
        }
        if (message.message?.$case === 'events') {
          seen.push(...message.message.events.events.map((e) => e.streamId));
          controller.abort();
        }
      }
    })();
    await following; // ends, without an error, once aborted
    expect(seen).toEqual(['live-1']);
  });

  it('refuses with the server code, reason and metadata of a version conflict', async () => {
    const error = await refusal(
      client.eventStore.append({
        streamId: 'order-1',
        events: [{ type: 'OrderPlaced', data: json({}) }],
        expected: { $case: 'expectedVersion', expectedVersion: 7 },
      }),
    );
    expect(error).toMatchObject({
      code: 'FAILED_PRECONDITION',
      reason: 'STREAM_VERSION_CONFLICT',
      metadata: { stream_id: 'order-1', actual_version: '1', stream_exists: 'true' },
    });
  });

  it('refuses malformed input naming the field, and an unknown stream naming it', async () => {
    const invalid = await refusal(client.eventStore.readStream({ streamId: '' }));
    expect(invalid).toMatchObject({ code: 'INVALID_ARGUMENT', reason: 'INVALID_ARGUMENT' });
    expect(invalid.field).toBe('stream_id');
    const missing = await refusal(client.eventStore.getStream({ streamId: 'order-404' }));
    expect(missing).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'STREAM_NOT_FOUND',
      metadata: { stream_id: 'order-404' },
    });
  });

  it('is refused without the token, and passes a deadline to the server', async () => {
    const anonymous = createHindsightClient({ address: server.address });
    try {
      const error = await refusal(anonymous.eventStore.cut({}));
      expect(error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
    } finally {
      anonymous.close();
    }
    const late = await refusal(client.eventStore.cut({}, { deadlineMs: -1 }));
    expect(late.code).toBe('DEADLINE_EXCEEDED');
  });

  it('checks health through the same client', async () => {
    const answer = await client.health.check({ service: '' });
    expect(answer.status).toBe(1); // SERVING
  });
});
