// Reads bounded by bytes as well as count: six events of 3.5 MiB came back from ReadStream as one
// 22 MB response that a default client (4 MiB receive limit) refuses. Now a ReadStream page stops
// before its payload exceeds the budget (1 MiB, the server's payload per message), always with at
// least one event, and the client continues from the version after (or before) its last event;
// ReadAll's messages do the same with a checkpoint at their last event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions } from '../../eventstore/types.js';
import {
  Direction,
  ReadStreamRequest,
  type RecordedEvent,
} from '../../gen/hindsight/v1/eventstore.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { readAllPages, startTestServer, type TestServer } from '../support/grpcServer.js';
import { hindsight } from '../support/processes.js';

const MiB = 1024 * 1024;
const BUDGET = MiB;
const payloadOf = (events: RecordedEvent[]): number =>
  events.reduce((n, e) => n + e.data.length + e.metadata.length, 0);
const numbers = (events: RecordedEvent[]): number[] =>
  events.map((e) => (JSON.parse(e.data.toString()) as { n: number }).n);

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  // The server accepts appends of up to 4 MiB; its clients keep the default receive limit.
  server = await startTestServer(db.store, { maxMessageBytes: 4 * MiB });
  const huge = 'h'.repeat(3.5 * MiB);
  for (let n = 1; n <= 6; n++)
    await db.store.append('huge-1', [{ type: 'Huge', data: { n, huge } }]);
  const mid = 'm'.repeat(100_000);
  await db.store.append(
    'mid-1',
    Array.from({ length: 40 }, (_, i) => ({ type: 'Mid', data: { n: i + 1, mid } })),
  );
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

/** Every page of a stream, following each page's last event. */
const readPages = async (streamId: string, backwards = false): Promise<RecordedEvent[][]> => {
  const pages: RecordedEvent[][] = [];
  let fromVersion = 0;
  for (;;) {
    const page = await server.calls.readStream(
      ReadStreamRequest.fromPartial({
        streamId,
        direction: backwards ? Direction.DIRECTION_BACKWARDS : Direction.DIRECTION_FORWARDS,
        fromVersion,
      }),
    );
    const last = page.events.at(-1);
    if (!last) return pages;
    pages.push(page.events);
    fromVersion = backwards ? last.streamVersion - 1 : last.streamVersion + 1;
    if (fromVersion < 1 || fromVersion > page.streamVersion) return pages;
  }
};

describe('ReadStream pages bounded by bytes', () => {
  it('answers a default client one 3.5 MiB event per page, and every event in order', async () => {
    const pages = await readPages('huge-1');
    expect(pages.map((page) => page.length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(numbers(pages.flat())).toEqual([1, 2, 3, 4, 5, 6]);
    const backwards = await readPages('huge-1', true);
    expect(numbers(backwards.flat())).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('stops a page before it exceeds the budget, and continues where it stopped', async () => {
    for (const backwards of [false, true]) {
      const pages = await readPages('mid-1', backwards);
      expect(pages.length).toBeGreaterThanOrEqual(4);
      for (const page of pages) expect(payloadOf(page)).toBeLessThanOrEqual(BUDGET);
      // Full pages: the next event would not have fitted.
      for (const page of pages.slice(0, -1)) {
        expect(payloadOf(page) + 100_000).toBeGreaterThan(BUDGET - 160 * page.length);
      }
      const all = numbers(pages.flat());
      const expected = Array.from({ length: 40 }, (_, i) => i + 1);
      expect(all).toEqual(backwards ? expected.reverse() : expected);
    }
  });

  it('still honours a count smaller than the budget', async () => {
    const page = await server.calls.readStream(
      ReadStreamRequest.fromPartial({ streamId: 'mid-1', fromVersion: 3, limit: 2 }),
    );
    expect(numbers(page.events)).toEqual([3, 4]);
    expect(page.streamVersion).toBe(40);
  });
});

describe('hindsight events read', () => {
  it('says where the rest of the stream starts when a page ends at the budget', async () => {
    const env = { HINDSIGHT_SERVER: server.address };
    const first = await hindsight(['events', 'read', 'huge-1'], env);
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toHaveLength(1);
    expect(first.stderr).toContain('more: continue with --from 2');
    const last = await hindsight(['events', 'read', 'huge-1', '--from', '6'], env);
    expect(last.stdout.trim().split('\n')).toHaveLength(1);
    expect(last.stderr).toBe('');
  });
});

describe('ReadAll messages bounded by bytes', () => {
  it('streams the 3.5 MiB events to a default client, one per message', async () => {
    const messages = await readAllPages(server.client, { eventTypes: ['Huge'] });
    const events = messages.flatMap((m) => m.events);
    expect(numbers(events)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(messages.every((message) => message.events.length <= 1)).toBe(true);
    // Each checkpoint is at its message's last event (the final one may be past it).
    messages.slice(0, -1).forEach((message) => {
      const last = message.events.at(-1);
      if (last) expect(comparePositions(message.checkpoint!, last)).toBe(0);
    });
  });
});
