// A feature view kept live for online prediction: its state at the latest dataset's cut (the
// stored view state), then every newer event as it commits. `featuresNow` answers from that
// state once it holds everything committed before the call, with the very code (`featuresNow`
// of the view) whose observations trained the model: training and serving cannot drift apart.
import type { EventStore } from '../eventstore/eventStore.js';
import { stateFromJson } from '../eventstore/stateJson.js';
import { START, comparePositions, type Position } from '../eventstore/types.js';
import { FeatureViewError } from '../ml/errors.js';
import { checkedFeatures, readRunSnapshot } from '../ml/featureRun.js';
import {
  logEventOf,
  type FeatureEmitter,
  type FeatureView,
  type Features,
} from '../ml/featureView.js';
import { ServingError } from './servingError.js';

export interface LiveFeaturesOptions<State> {
  store: Pick<EventStore, 'follow' | 'cut' | 'viewSnapshots' | 'upcasters'>;
  view: FeatureView<State>;
  /** Longest a call waits for the log to be applied up to its start; default 2 s. */
  maxWaitMs?: number;
  /** A failure of the follower (it stops; calls then fail with it). */
  onError?: (error: unknown) => void;
}

export interface FeaturesNow {
  /** Null when the view does not know the entity, or has closed it. */
  features: Features | null;
  /** Every event of the log below this position was applied, nothing after it. */
  position: Position;
  /** The business time the features are computed for. */
  at: number;
}

export interface LiveFeatures {
  /**
   * The entity's features as of `at` (business time; default now), from a state that holds
   * every event committed before this call. Throws `ServingError('UNAVAILABLE')` when the
   * follower cannot get there in time.
   */
  featuresNow(entityId: string, at?: number): Promise<FeaturesNow>;
  /**
   * The entities the view can score now (its `openEntities`), from a state that holds every
   * event committed before this call, with the position they are as of.
   */
  openEntities(): Promise<{ entities: readonly string[]; position: Position }>;
  close(): Promise<void>;
}

const describeFailure = (error: unknown): string =>
  error instanceof Error ? error.message : JSON.stringify(error);

const NO_EMIT: FeatureEmitter = { observe: () => undefined, label: () => undefined };

interface Waiter {
  transactionId: number;
  resolve: () => void;
}

/**
 * The view's state stored with the latest dataset of this very view code and upcasters whose
 * cut is at or below `atOrBelow`; the initial state at the log's start when there is none.
 */
export const storedViewState = async <State>(
  store: Pick<EventStore, 'viewSnapshots' | 'upcasters'>,
  view: FeatureView<State>,
  atOrBelow = Number.MAX_SAFE_INTEGER,
): Promise<{ state: State; position: Position }> => {
  const key = { view: view.name, codeHash: view.codeHash, upcastersHash: store.upcasters.codeHash };
  const latest = await store.viewSnapshots.latest(key, atOrBelow);
  const stored = latest ? await store.viewSnapshots.loadState(key, latest.cutTransactionId) : null;
  if (!latest || !stored) return { state: view.initialState(), position: START };
  const snapshot = await readRunSnapshot(stored);
  return {
    state: stateFromJson<State>(snapshot.state),
    position: snapshot.position,
  };
};

export const createLiveFeatures = async <State>({
  store,
  view,
  maxWaitMs = 2_000,
  onError,
}: LiveFeaturesOptions<State>): Promise<LiveFeatures> => {
  const { featuresNow } = view;
  if (!featuresNow) {
    throw new FeatureViewError(
      'INVALID_ARGUMENT',
      `feature view '${view.name}' has no featuresNow: it cannot serve predictions`,
    );
  }
  const start = await storedViewState(store, view);
  const { state } = start;
  // Below this transaction id every committed event of the view's types is applied.
  let applied: Position = start.position;
  let horizon = start.position.transactionId;
  let failure: unknown = null;
  let waiters: Waiter[] = [];
  const abort = new AbortController();
  // The follower sleeps through appends of other types: a call that needs it past a newer cut
  // wakes it.
  let readNow = (): void => undefined;

  const release = (): void => {
    const ready = waiters.filter((w) => w.transactionId <= horizon || failure !== null);
    if (ready.length === 0) return;
    waiters = waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) waiter.resolve();
  };

  const follower = (async () => {
    try {
      for await (const item of store.follow({
        after: start.position,
        eventTypes: view.eventTypes,
        signal: abort.signal,
        readNow: (poke) => {
          readNow = poke;
        },
      })) {
        if (item.kind === 'events') {
          for (const event of item.events) {
            view.apply(state, logEventOf(event), NO_EMIT);
          }
        }
        if (comparePositions(item.checkpoint, applied) > 0) applied = item.checkpoint;
        // Reads go in (transaction, position) order, so every transaction below the
        // checkpoint's is in, whether it is a page's last event or its end (horizon, 0).
        horizon = applied.transactionId;
        release();
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      failure = error;
      onError?.(error);
      release();
    }
  })();

  const waitFor = (transactionId: number): Promise<void> => {
    if (failure !== null)
      return Promise.reject(unavailable(`it stopped: ${describeFailure(failure)}`));
    if (transactionId <= horizon) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        transactionId,
        resolve: () => {
          clearTimeout(timer);
          if (failure !== null) reject(unavailable(`it stopped: ${describeFailure(failure)}`));
          else resolve();
        },
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== waiter);
        reject(
          unavailable(
            `it has applied the log up to transaction ${horizon}, not yet ${transactionId}, ` +
              `after ${maxWaitMs} ms`,
          ),
        );
      }, maxWaitMs);
      waiters.push(waiter);
      readNow();
    });
  };

  // Concurrent calls share cut queries: a call joins the next query not yet sent (sent after
  // it arrived, so it sees everything committed before the call), never the one in flight.
  let inFlight: Promise<number> | null = null;
  let queued: Promise<number> | null = null;
  const send = (): Promise<number> => {
    queued = null;
    const query = store.cut().then((cut) => cut.transactionId);
    inFlight = query;
    const clear = (): void => {
      if (inFlight === query) inFlight = null;
    };
    query.then(clear, clear);
    return query;
  };
  const freshCut = (): Promise<number> => {
    if (queued) return queued;
    if (!inFlight) return send();
    queued = inFlight.then(send, send);
    return queued;
  };

  const unavailable = (why: string): ServingError =>
    new ServingError('UNAVAILABLE', `the live features of view '${view.name}' lag: ${why}`);

  return {
    featuresNow: async (entityId, at = Date.now()) => {
      await waitFor(await freshCut());
      // No await from here on: the state cannot move while the features are read.
      const features = featuresNow(state, entityId, at);
      return {
        features: features === null ? null : checkedFeatures(view, entityId, features),
        position: { ...applied },
        at,
      };
    },
    openEntities: async () => {
      const { openEntities } = view;
      if (!openEntities) {
        throw new FeatureViewError(
          'INVALID_ARGUMENT',
          `feature view '${view.name}' has no openEntities: it cannot list what to score`,
        );
      }
      await waitFor(await freshCut());
      return { entities: openEntities(state), position: { ...applied } };
    },
    close: async () => {
      abort.abort();
      failure ??= new Error('closed');
      release();
      await follower;
    },
  };
};
