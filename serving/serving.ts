// Online serving as one unit: the live features of every view that can serve (started at once,
// in the background, so the first prediction does not pay the catch-up), the champion cache,
// a follower of the promotion events that moves the cache at once, and the predictor.
import { MODEL_PROMOTED } from '../platform/modelEvents.js';
import {
  backoffDelay,
  type EventStore,
  isTransientDatabaseError,
  retryTransient,
} from '../eventstore/index.js';
import type { FeatureView } from '../ml/featureView.js';
import type { MlflowClient } from '../mlflow/index.js';
import { createChampionModels } from './championModels.js';
import { createLiveFeatures, type LiveFeatures } from './liveFeatures.js';
import { createPredictor, type Predictor } from './predictor.js';

export interface ServingOptions {
  store: EventStore;
  mlflow: MlflowClient;
  /** Views with `featuresNow` serve; the others are left out. */
  views: readonly FeatureView<unknown>[];
  /** Longest a prediction waits for the live features to reach the log's head. */
  maxWaitMs?: number;
  onError: (error: unknown) => void;
}

export interface Serving {
  predictor: Predictor;
  close(): Promise<void>;
}

export const startServing = (options: ServingOptions): Serving => {
  const { store, mlflow, onError } = options;
  const models = createChampionModels({ mlflow });
  const lives = new Map<string, { view: FeatureView<unknown>; live: Promise<LiveFeatures> }>();
  const abort = new AbortController();
  const restarts = new Set<NodeJS.Timeout>();
  // A start that failed because the database could not be reached is tried again (capped
  // backoff) while predictions fail with its error; any other failure stands.
  const startLive = (view: FeatureView<unknown>, attempt: number): void => {
    const live = createLiveFeatures({ store, view, maxWaitMs: options.maxWaitMs, onError });
    lives.set(view.name, { view, live });
    live.catch((error: unknown) => {
      onError(error);
      if (abort.signal.aborted || !isTransientDatabaseError(error)) return;
      const timer = setTimeout(() => {
        restarts.delete(timer);
        if (!abort.signal.aborted) startLive(view, attempt + 1);
      }, backoffDelay(attempt));
      restarts.add(timer);
    });
  };
  for (const view of options.views) {
    if (view.featuresNow) startLive(view, 0);
  }

  // A promotion moves the alias: the next prediction looks it up rather than wait out the TTL.
  const promotions = (async () => {
    const { transactionId } = await retryTransient(() => store.cut(), { signal: abort.signal });
    for await (const item of store.follow({
      after: { transactionId, globalPosition: 0 },
      eventTypes: [MODEL_PROMOTED],
      signal: abort.signal,
    })) {
      if (item.kind !== 'events') continue;
      for (const event of item.events) {
        const { modelName } = JSON.parse(event.data) as { modelName?: unknown };
        if (typeof modelName === 'string') models.invalidate(modelName);
      }
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) onError(error);
  });

  return {
    predictor: createPredictor({ store, models, liveFeatures: (name) => lives.get(name) ?? null }),
    close: async () => {
      abort.abort();
      for (const timer of restarts) clearTimeout(timer);
      await promotions;
      await Promise.all(
        [...lives.values()].map(async ({ live }) => {
          try {
            await (await live).close();
          } catch {
            // A follower that never started has nothing to close.
          }
        }),
      );
    },
  };
};
