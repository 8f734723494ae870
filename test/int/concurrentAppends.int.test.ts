// Concurrent appends on a real PostgreSQL: each keeps its own expected version and outcome, an
// event id used in two streams at once is refused in one and written in the other, and the
// log's commit order follows every stream's versions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventIdConflictError,
  StreamArchivedError,
  WrongExpectedVersionError,
} from '../../eventstore/errors.js';
import type { AppendResult } from '../../eventstore/types.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

const event = (type = 'Happened', data: Record<string, unknown> = {}) => ({ type, data });

describe('concurrent appends', () => {
  it('gives concurrent appends to many streams each its own result and position', async () => {
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        db.store.append(`group-${i}`, [event('Happened', { i })], { kind: 'no_stream' }),
      ),
    );
    expect(results.map((r) => r.streamVersion)).toEqual(Array(64).fill(1));
    const positions = results.flatMap((r) => r.globalPositions);
    expect(new Set(positions).size).toBe(64);
    for (const [i, result] of results.entries()) {
      const { events } = await db.store.readStream(`group-${i}`);
      expect(events.map((e) => [e.globalPosition, JSON.parse(e.data) as unknown])).toEqual([
        [result.globalPositions[0], { i }],
      ]);
    }
  });

  it('gives each of a burst of appends its own outcome', async () => {
    await db.store.append('mixed-existing', [event()]);
    await db.store.append('mixed-archived', [event()]);
    await db.store.archiveStream('mixed-archived');
    const settled = await Promise.allSettled([
      db.store.append('mixed-a', [event()], { kind: 'no_stream' }),
      db.store.append('mixed-existing', [event()], { kind: 'exact', version: 5 }),
      db.store.append('mixed-archived', [event()]),
      db.store.append('mixed-existing', [event()], { kind: 'no_stream' }),
      db.store.append('mixed-b', [event(), event()], { kind: 'any' }),
    ]);
    const [a, wrong, archived, exists, b] = settled;
    expect(a).toMatchObject({ status: 'fulfilled', value: { streamVersion: 1 } });
    expect(wrong.status === 'rejected' && wrong.reason).toBeInstanceOf(WrongExpectedVersionError);
    expect(archived.status === 'rejected' && archived.reason).toBeInstanceOf(StreamArchivedError);
    expect(exists.status === 'rejected' && exists.reason).toBeInstanceOf(WrongExpectedVersionError);
    expect(b).toMatchObject({ status: 'fulfilled', value: { streamVersion: 2 } });
    expect((await db.store.getStream('mixed-existing')).version).toBe(1);
  });

  it('answers an event id used in two streams at once, and the other appends are written', async () => {
    const shared = '0193a0b0-0000-7000-8000-000000000001';
    const settled = await Promise.allSettled([
      db.store.append('fallback-0', [event()]),
      db.store.append('fallback-1', [{ ...event(), eventId: shared }]),
      db.store.append('fallback-2', [{ ...event(), eventId: shared }]),
      db.store.append('fallback-3', [event()]),
      db.store.append('fallback-4', [event()]),
    ]);
    const conflicts = settled.filter(
      (s) => s.status === 'rejected' && s.reason instanceof EventIdConflictError,
    );
    expect(conflicts).toHaveLength(1);
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(4);
    for (const i of [0, 3, 4]) expect((await db.store.getStream(`fallback-${i}`)).version).toBe(1);
    // Sent again (a lost response), the winner is a duplicate: nothing new.
    const winner = settled[1]?.status === 'fulfilled' ? 'fallback-1' : 'fallback-2';
    const again = await db.store.append(winner, [{ ...event(), eventId: shared }], {
      kind: 'no_stream',
    });
    expect(again.duplicate).toBe(true);
  });

  it('keeps every stream in version order in the log, under concurrent writers', async () => {
    const streams = Array.from({ length: 6 }, (_, i) => `order-${i}`);
    const writers = Array.from({ length: 24 }, async (_, w) => {
      const done: AppendResult[] = [];
      for (let n = 0; n < 20; n += 1) {
        const stream = streams[(w * 7 + n * 3) % streams.length] ?? 'order-0';
        done.push(await db.store.append(stream, [event('Step', { w, n })]));
      }
      return done;
    });
    const appended = (await Promise.all(writers)).flat();
    expect(appended).toHaveLength(480);
    const { rows } = await db.pool.query<{ stream_id: string; stream_version: string }>(
      `select stream_id, stream_version from hindsight.events
        where stream_id like 'order-%' order by tx_id, global_position`,
    );
    const last = new Map<string, number>();
    for (const row of rows) {
      const version = Number(row.stream_version);
      expect(version, row.stream_id).toBe((last.get(row.stream_id) ?? 0) + 1);
      last.set(row.stream_id, version);
    }
    expect([...last.values()].reduce((a, b) => a + b, 0)).toBe(480);
  });
});
