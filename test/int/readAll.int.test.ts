// ReadAll over gRPC: large pages are split into messages under the size budget, each with the
// checkpoint after its last event; limits, filters and continuing from a checkpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Position, ReadAllRequest } from '../../gen/hindsight/v1/eventstore.js';
import { comparePositions } from '../../eventstore/types.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { readAllPages, startTestServer, type TestServer } from '../support/grpcServer.js';

const readAll = (server: TestServer, request: Partial<ReadAllRequest>) =>
  readAllPages(server.client, request);

describe('ReadAll over gRPC', () => {
  let db: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    // 1 MiB of payload per message at most: 12 events of 300 kB need several messages.
    server = await startTestServer(db.store, { maxMessageBytes: 2 * 1024 * 1024 });
    const blob = 'x'.repeat(300_000);
    for (let i = 0; i < 12; i++) {
      await db.store.append(`doc-${i % 3}`, [
        { type: i % 2 ? 'DocEdited' : 'DocCreated', data: { i, blob } },
      ]);
    }
  });

  afterAll(async () => {
    await server.stop();
    await db.drop();
  });

  it('splits large pages into messages under the budget, with a checkpoint after each', async () => {
    const pages = await readAll(server, {});
    const events = pages.flatMap((p) => p.events);
    expect(events.map((e) => (JSON.parse(e.data.toString()) as { i: number }).i)).toEqual([
      ...Array(12).keys(),
    ]);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    for (const page of pages) {
      expect(page.events.reduce((n, e) => n + e.data.length, 0)).toBeLessThanOrEqual(1024 * 1024);
      const last = page.events.at(-1);
      if (last) expect(comparePositions(page.checkpoint!, last)).toBeGreaterThanOrEqual(0);
    }
    const checkpoints = pages.map((p) => p.checkpoint!);
    for (let i = 1; i < checkpoints.length; i++) {
      expect(comparePositions(checkpoints[i]!, checkpoints[i - 1]!)).toBeGreaterThan(0);
    }
  });

  it('honours limits, filters, and continues after a checkpoint without repeats', async () => {
    const first = await readAll(server, { limit: 5 });
    const firstEvents = first.flatMap((p) => p.events);
    expect(firstEvents).toHaveLength(5);
    const after: Position = first.at(-1)!.checkpoint!;
    const rest = (await readAll(server, { after })).flatMap((p) => p.events);
    expect([...firstEvents, ...rest].map((e) => e.eventId)).toEqual(
      (await readAll(server, {})).flatMap((p) => p.events).map((e) => e.eventId),
    );
    const edits = (await readAll(server, { eventTypes: ['DocEdited'] })).flatMap((p) => p.events);
    expect(edits.map((e) => e.type)).toEqual(Array(6).fill('DocEdited'));
    const empty = await readAll(server, { eventTypes: ['Nothing'] });
    expect(empty).toHaveLength(1);
    expect(empty[0]!.events).toEqual([]);
    expect(empty[0]!.checkpoint!.transactionId).toBeGreaterThan(0);
  });
});
