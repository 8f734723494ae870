// The live features behind Models.Predict: every answer holds every event committed before the
// call, concurrent calls share the follower's reads, and a follower that lags or stops makes
// calls fail with UNAVAILABLE (naming why) instead of answering from a stale state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineFeatureView } from '../../ml/featureView.js';
import {
  createLiveFeatures,
  type LiveFeatures,
  type LiveFeaturesOptions,
} from '../../serving/liveFeatures.js';
import { ServingError } from '../../serving/servingError.js';
import {
  createTestDatabase,
  storeCountingReads,
  type StoreCountingReads,
  type TestDatabase,
} from '../support/database.js';
import { rejectionOf } from '../support/thrown.js';

/** Counts each entity's `Counted` events; `Closed` forgets the entity. */
const countingView = defineFeatureView<{ counts: Map<string, number> }>({
  name: 'live_counting',
  version: 1,
  featureNames: ['count'],
  eventTypes: ['Counted', 'Closed'],
  initialState: () => ({ counts: new Map() }),
  apply: (state, event) => {
    const entity = String(event.data.entity);
    if (event.type === 'Closed') state.counts.delete(entity);
    else state.counts.set(entity, (state.counts.get(entity) ?? 0) + 1);
  },
  featuresNow: (state, entityId) => {
    const count = state.counts.get(entityId);
    return count === undefined ? null : { count };
  },
  openEntities: (state) => [...state.counts.keys()].sort(),
});

const counted = (entity: string, n: number) =>
  Array.from({ length: n }, () => ({ type: 'Counted', data: { entity } }));

/**
 * Live features over a store of their own whose log reads go through a pool of `connections`,
 * closed after `body` whatever it does to them.
 */
const withLiveFeatures = async (
  db: TestDatabase,
  connections: number,
  options: Omit<LiveFeaturesOptions<unknown>, 'store' | 'view'>,
  body: (following: StoreCountingReads & { live: LiveFeatures }) => Promise<void>,
): Promise<void> => {
  const counting = storeCountingReads(db, connections);
  const live = await createLiveFeatures({ ...options, store: counting.store, view: countingView });
  try {
    await body({ ...counting, live });
  } finally {
    await live.close();
    await counting.close();
  }
};

describe('live features', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('answers every call with every event committed before it, sharing reads', async () => {
    await withLiveFeatures(db, 2, {}, async ({ live, checkouts }) => {
      // Noise of other types between the counted events: the follower sleeps through it.
      let expected = 0;
      let calls = 0;
      const before = checkouts();
      for (let round = 0; round < 15; round++) {
        await db.store.append(`count-${round % 3}`, counted('a', 3));
        await db.store.append(`noise-${round}`, [{ type: 'Other', data: { round } }]);
        expected += 3;
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => live.featuresNow('a', 1_000)),
        );
        calls += answers.length;
        for (const answer of answers) {
          expect(answer.features).toEqual({ count: expected });
          expect(answer.at).toBe(1_000);
        }
      }
      // 8 concurrent calls share reads: far fewer reads than calls.
      expect(checkouts() - before).toBeLessThan(calls / 2);

      await db.store.append('count-0', [{ type: 'Closed', data: { entity: 'a' } }]);
      expect((await live.featuresNow('a')).features).toBeNull();
      await db.store.append('count-1', counted('b', 2));
      expect(await live.openEntities()).toMatchObject({ entities: ['b'] });
    });
  });

  it('fails with UNAVAILABLE while its follower cannot read, and answers once it can', async () => {
    await withLiveFeatures(db, 1, { maxWaitMs: 300 }, async ({ live, reads }) => {
      await db.store.append('count-9', counted('c', 1));
      expect((await live.featuresNow('c')).features).toEqual({ count: 1 });

      // The follower's only connection is taken: its read cannot start.
      const held = await reads.connect();
      await db.store.append('count-9', counted('c', 1));
      const started = Date.now();
      const error = await rejectionOf(ServingError, live.featuresNow('c'));
      expect(error).toMatchObject({ code: 'UNAVAILABLE', reason: 'FEATURES_UNAVAILABLE' });
      expect(error.message).toMatch(
        /live features of view 'live_counting' lag: it has not read the log to its end within 300 ms/,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);

      held.release();
      expect((await live.featuresNow('c')).features).toEqual({ count: 2 });
    });
  });

  it('fails with UNAVAILABLE naming the cause once its follower stops', async () => {
    const failures: unknown[] = [];
    const onError = (error: unknown): void => {
      failures.push(error);
    };
    await withLiveFeatures(db, 1, { onError }, async ({ live, reads }) => {
      expect((await live.featuresNow('b')).features).toEqual({ count: 2 });
      await reads.end(); // its next read fails
      for (let i = 0; i < 2; i++) {
        // The first call's read meets the failure; the second comes after it.
        const error = await rejectionOf(ServingError, live.featuresNow('b'));
        expect(error).toMatchObject({ code: 'UNAVAILABLE', reason: 'FEATURES_UNAVAILABLE' });
        expect(error.message).toMatch(
          /live features of view 'live_counting' lag: it stopped: .*pool/i,
        );
      }
      expect(failures).toHaveLength(1);
    });
  });

  it('refuses calls once closed', async () => {
    const live = await createLiveFeatures({ store: db.store, view: countingView });
    await live.close();
    const error = await rejectionOf(ServingError, live.featuresNow('b'));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', reason: 'FEATURES_UNAVAILABLE' });
    expect(error.message).toContain('it stopped: closed');
  });
});
