// Acceptance: 32 concurrent writers with exact expected versions on one stream.
import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { eventStoreCalls, type EventStoreCalls } from '../support/grpcCalls.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';

const WRITERS = 32;
const SUCCESSES_PER_WRITER = 8;
const STREAM = 'race-1';

interface Ack {
  writer: number;
  eventId: string;
  version: number;
}

interface Loss {
  expected: number;
  actual: number;
  details: string;
}

describe('concurrent writers on one stream', () => {
  let db: TestDatabase;
  let server: TestServer;
  let apis: EventStoreCalls[];

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer(db.store);
    // Several channels, so that calls really race on the server and in PostgreSQL.
    apis = Array.from({ length: 8 }, () => eventStoreCalls(server.connect()));
  });

  afterAll(async () => {
    await server.stop();
    await db.drop();
  });

  it('gives every success a distinct version, leaves no gap, and tells each loser the actual version', async () => {
    const acks: Ack[] = [];
    const losses: Loss[] = [];
    const writer = async (id: number): Promise<void> => {
      const api = apis[id % apis.length]!;
      let known = 0;
      let successes = 0;
      while (successes < SUCCESSES_PER_WRITER) {
        const eventId = uuidv7();
        try {
          const result = await api.append({
            streamId: STREAM,
            expected: { $case: 'expectedVersion', expectedVersion: known },
            events: [
              {
                eventId,
                type: 'CounterIncremented',
                schemaVersion: 1,
                data: Buffer.from(JSON.stringify({ writer: id, n: successes })),
                occurredAtMs: 0,
                correlationId: '',
                causationId: '',
                actor: `writer-${id}`,
                metadata: Buffer.alloc(0),
              },
            ],
          });
          acks.push({ writer: id, eventId, version: result.streamVersion });
          known = result.streamVersion;
          successes += 1;
        } catch (error) {
          const e = error as ServiceError;
          expect(e.code).toBe(status.FAILED_PRECONDITION);
          const actual = Number(e.metadata.get('actual-version')[0]);
          losses.push({ expected: known, actual, details: e.details });
          known = actual;
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)));

    const total = WRITERS * SUCCESSES_PER_WRITER;
    const versions = acks.map((a) => a.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(losses.length).toBeGreaterThan(0); // the writers really raced

    for (const loss of losses) {
      expect(loss.actual).toBeGreaterThan(loss.expected);
      expect(loss.details).toContain(`expected version ${loss.expected}`);
      expect(loss.details).toContain(`its version is ${loss.actual}`);
    }

    // Nothing acknowledged is lost: each acked event sits at its acked version.
    const stored = new Map<number, string>();
    for (let from = 1; from <= total; from += 1000) {
      const slice = await apis[0]!.readStream({
        streamId: STREAM,
        direction: 1,
        fromVersion: from,
        limit: 1000,
        skipUpcastFailures: false,
      });
      slice.events.forEach((event) => stored.set(event.streamVersion, event.eventId));
    }
    expect(stored.size).toBe(total);
    for (const ack of acks) expect(stored.get(ack.version)).toBe(ack.eventId);
    const info = await apis[0]!.getStream({ streamId: STREAM });
    expect(info.version).toBe(total);
  });
});
