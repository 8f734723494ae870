// The store's browse answers what the console's dataset and overview pages ask: the latest
// events of one stream, the newest event whose data field has a value, and the recording rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('the store’s browse', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    for (const [stream, digest] of [
      ['set-a', 'one'],
      ['set-b', 'two'],
      ['set-a', 'three'],
      ['set-a', 'two'],
      ['other-a', 'two'],
    ] as const) {
      await db.store.append(stream, [{ type: 'Made', data: { digest } }]);
    }
  });

  afterAll(() => db?.drop());

  it('pages the latest events of one stream, newest first', async () => {
    const events = await db.store.browse.recentEvents({
      category: 'set',
      type: 'Made',
      streamId: 'set-a',
      limit: 2,
    });
    expect(events.map((e) => JSON.parse(e.data) as unknown)).toEqual([
      { digest: 'two' },
      { digest: 'three' },
    ]);
    const rest = await db.store.browse.recentEvents({
      category: 'set',
      streamId: 'set-a',
      before: events[1]!,
      limit: 5,
    });
    expect(rest.map((e) => JSON.parse(e.data) as unknown)).toEqual([{ digest: 'one' }]);
  });

  it('finds the newest event of a type in a category whose data field equals a value', async () => {
    const found = await db.store.browse.latestEventWhere({
      category: 'set',
      type: 'Made',
      field: 'digest',
      equals: 'two',
    });
    expect(found?.streamId).toBe('set-a');
    expect(found?.globalPosition).toBe(4);
    expect(
      await db.store.browse.latestEventWhere({
        category: 'set',
        type: 'Made',
        field: 'digest',
        equals: 'none',
      }),
    ).toBeNull();
  });

  it('finds the oldest such event too, in log order', async () => {
    const found = await db.store.firstEventWhere({
      category: 'set',
      type: 'Made',
      field: 'digest',
      equals: 'two',
    });
    expect(found?.streamId).toBe('set-b');
    expect(found?.globalPosition).toBe(2);
  });

  it('counts the events after each of several positions, in one query, up to a cap', async () => {
    const log = await db.store.browse.recentEvents({ limit: 10 });
    const [newest, , third] = log;
    const after = (event: typeof newest) => ({
      transactionId: event!.transactionId,
      globalPosition: event!.globalPosition,
    });
    expect(
      await db.store.browse.countsAfter(
        [after(newest), after(third), { transactionId: 0, globalPosition: 0 }],
        100,
      ),
    ).toEqual([0, 2, log.length]);
    expect(await db.store.browse.countsAfter([{ transactionId: 0, globalPosition: 0 }], 3)).toEqual(
      [3],
    );
    expect(await db.store.browse.countsAfter([], 3)).toEqual([]);
  });

  it('sums the recording rate since a position and a time', async () => {
    const since = Math.floor(Date.now() / 60_000) * 60_000 - 59 * 60_000;
    const rate = await db.store.browse.recordingRate({ after: 1, since });
    expect(rate.minutes.reduce((sum, m) => sum + m.events, 0)).toBe(4);
    expect(rate.minutes.every((m) => m.at % 60_000 === 0 && m.at >= since)).toBe(true);
    expect(rate.lastMinute).toBe(4);
    const newest = await db.store.browse.recentEvents({ limit: 1 });
    expect(rate.lastRecordedAt).toBe(newest[0]!.recordedAt);
    // Nothing since then: still the newest event's time.
    const later = await db.store.browse.recordingRate({ after: 0, since: Date.now() + 60_000 });
    expect(later).toEqual({ minutes: [], lastMinute: 0, lastRecordedAt: newest[0]!.recordedAt });
  });
});
