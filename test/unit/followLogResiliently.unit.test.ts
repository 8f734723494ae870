// The restart logic around a live reader: a reader that loses the database is started again
// from the checkpoint of the last item handed over (nothing skipped, nothing twice, one
// 'caught-up'); read-now requests fail at once while it reconnects and work again after; any
// other failure ends it. The reader here is a fake over an in-memory log; the real one is
// restarted under a real PostgreSQL crash in test/fault/selfHealing.fault.test.ts.
import { describe, expect, it } from 'vitest';
import type { FollowItem, FollowOptions } from '../../eventstore/followLog.js';
import { followLogResiliently } from '../../eventstore/followLogResiliently.js';
import { START, type Position, type StoredEvent } from '../../eventstore/types.js';
import { isTransientDatabaseError } from '../../eventstore/transientErrors.js';

const refused = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

const eventAt = (n: number): StoredEvent =>
  ({ globalPosition: n, transactionId: n, eventId: `e${n}` }) as unknown as StoredEvent;

/**
 * A reader of events 1..10, one page per event; `failures` says after how many pages each
 * successive reader fails (with `error`), until they run out: then it reads to the end.
 */
const fakeReader = (failures: number[], error: () => Error = refused) => {
  const starts: Position[] = [];
  const follow = async function* (options: FollowOptions): AsyncGenerator<FollowItem> {
    starts.push(options.after);
    options.readNow?.(() => Promise.resolve(options.after));
    const failAfter = failures.shift();
    let pages = 0;
    await Promise.resolve();
    for (let n = options.after.globalPosition + 1; n <= 10; n++) {
      if (pages === failAfter) throw error();
      pages += 1;
      yield {
        kind: 'events',
        events: [eventAt(n)],
        checkpoint: { transactionId: n, globalPosition: n },
      };
    }
    if (pages === failAfter) throw error();
    yield { kind: 'caught-up', checkpoint: { transactionId: 10, globalPosition: 10 } };
  };
  return { follow, starts };
};

const take = async (items: AsyncGenerator<FollowItem>, until: (item: FollowItem) => boolean) => {
  const seen: FollowItem[] = [];
  for await (const item of items) {
    seen.push(item);
    if (until(item)) break;
  }
  return seen;
};

describe('followLogResiliently', () => {
  it('starts again from the last checkpoint handed over: every event once, in order, one caught-up', async () => {
    const { follow, starts } = fakeReader([3, 0, 4]);
    const retries: number[] = [];
    const items = followLogResiliently(follow, {
      after: START,
      retry: { firstDelayMs: 1, maxDelayMs: 4, onRetry: (_, delay) => retries.push(delay) },
    });
    const seen = await take(items, (item) => item.kind === 'caught-up');
    const positions = seen.flatMap((item) =>
      item.kind === 'events' ? item.events.map((e) => e.globalPosition) : [],
    );
    expect(positions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seen.filter((item) => item.kind === 'caught-up')).toHaveLength(1);
    expect(starts.map((p) => p.globalPosition)).toEqual([0, 3, 3, 7]);
    // Capped backoff, reset once a reader hands something over.
    expect(retries).toEqual([1, 2, 1]);
  });

  it('fails read-now requests at once while it reconnects, with the outage as their cause', async () => {
    let readNow: (() => Promise<Position>) | undefined;
    let retrying = (): void => undefined;
    const waitBegan = new Promise<void>((resolve) => (retrying = resolve));
    const { follow } = fakeReader([1]);
    const items = followLogResiliently(follow, {
      after: START,
      retry: { firstDelayMs: 200, maxDelayMs: 200, onRetry: () => retrying() },
      readNow: (read) => (readNow = read),
    });
    await items.next(); // event 1
    const failing = items.next(); // the reader fails; the wait begins
    await waitBegan;
    const rejected = await readNow?.().then(
      () => null,
      (error: unknown) => error,
    );
    expect(String(rejected)).toContain('the log reader is reconnecting: connect ECONNREFUSED');
    expect(isTransientDatabaseError(rejected)).toBe(true);
    await failing;
    expect(await readNow?.()).toEqual({ transactionId: 1, globalPosition: 1 });
    await items.return(undefined);
  });

  it('ends with any failure other than a database outage', async () => {
    const { follow, starts } = fakeReader([2], () => new Error('the upcaster is broken'));
    const items = followLogResiliently(follow, { after: START });
    await expect(take(items, () => false)).rejects.toThrow('the upcaster is broken');
    expect(starts).toHaveLength(1);
  });

  it('stops waiting when aborted', async () => {
    const abort = new AbortController();
    const { follow } = fakeReader([0, 0, 0, 0, 0, 0, 0, 0]);
    const items = followLogResiliently(follow, {
      after: START,
      signal: abort.signal,
      retry: { firstDelayMs: 60_000 },
    });
    const next = items.next();
    setTimeout(() => abort.abort(), 10);
    expect(await next).toEqual({ done: true, value: undefined });
  });
});
