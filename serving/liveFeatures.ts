// A feature view kept live for online prediction: its state at the latest dataset's cut (the
// stored view state), then every newer event as it commits. `featuresNow` answers from that
// state once it holds everything committed before the call, with the very code (`featuresNow`
// of the view) whose observations trained the model: training and serving cannot drift apart.
import {
  comparePositions,
  type EventStore,
  isTransientDatabaseError,
  type Position,
  START,
  stateFromJson,
} from '../eventstore/index.js';
import { HindsightError } from '../platform/errors.js';
import { checkedFeatures, readRunSnapshot } from '../ml/featureRun.js';
import { applyOrQuarantine, type QuarantinedEventRecord } from '../ml/quarantine.js';
import {
  logEventOf,
  type FeatureEmitter,
  type FeatureView,
  type Features,
} from '../ml/featureView.js';
import { ServingError } from './servingError.js';

export interface LiveFeaturesOptions<State> {
  store: Pick<EventStore, 'follow' | 'viewSnapshots' | 'upcasters' | 'quarantine'>;
  view: FeatureView<State>;
  /** Longest a call waits for the log to be applied up to its start; default 2 s. */
  maxWaitMs?: number;
  /**
   * A failure of the follower other than a database outage, which it waits out (it stops; calls
   * then fail with it).
   */
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
    throw new HindsightError(
      'INVALID_ARGUMENT',
      `feature view '${view.name}' has no featuresNow: it cannot serve predictions`,
    );
  }
  const start = await storedViewState(store, view);
  const { state } = start;
  // Every committed event of the view's types below this position is applied.
  let applied: Position = start.position;
  let failure: unknown = null;
  const abort = new AbortController();
  // The follower sleeps through appends of other types: a call asks it to read the log to its
  // end as of the call, and waits for that (calls in the meantime share the read).
  let readNow = (): Promise<Position> => Promise.reject(new Error('the follower has not started'));

  const quarantineKey = {
    view: view.name,
    codeHash: view.codeHash,
    upcastersHash: store.upcasters.codeHash,
  };
  // Quarantine records go out one batch per page, one after another, in the background: a
  // replay past many poison events never floods the pool the appends use.
  let recording: Promise<unknown> = Promise.resolve();

  const follower = (async () => {
    try {
      for await (const item of store.follow({
        after: start.position,
        eventTypes: view.eventTypes,
        signal: abort.signal,
        readNow: (read) => {
          readNow = read;
        },
      })) {
        if (item.kind === 'events') {
          const poison: QuarantinedEventRecord[] = [];
          for (const event of item.events) {
            // A poison event is quarantined and the follower goes on.
            const quarantined = applyOrQuarantine(view, state, logEventOf(event), NO_EMIT);
            if (quarantined) poison.push(quarantined);
          }
          if (poison.length > 0) {
            recording = recording
              .then(() => store.quarantine.record(quarantineKey, poison))
              .catch((error: unknown) => onError?.(error));
          }
        }
        if (comparePositions(item.checkpoint, applied) > 0) applied = item.checkpoint;
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      failure = error;
      onError?.(error);
    }
  })();

  const unavailable = (why: string): ServingError =>
    new ServingError(
      'FEATURES_UNAVAILABLE',
      `the live features of view '${view.name}' lag: ${why}`,
    );
  const stoppedError = (error: unknown): ServingError =>
    unavailable(`it stopped: ${describeFailure(failure ?? error)}`);

  /** Resolves once the state holds every event below the log's horizon at the call. */
  const upToNow = (): Promise<void> => {
    if (failure !== null) return Promise.reject(stoppedError(failure));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          unavailable(
            `it has not read the log to its end within ${maxWaitMs} ms (applied up to ` +
              `transaction ${applied.transactionId})`,
          ),
        );
      }, maxWaitMs);
      readNow().then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          // The follower waits out a database outage and goes on; only another failure stops it.
          reject(
            failure === null && isTransientDatabaseError(error)
              ? unavailable(`it cannot read the log now: ${describeFailure(error)}`)
              : stoppedError(error),
          );
        },
      );
    });
  };

  return {
    featuresNow: async (entityId, at = Date.now()) => {
      await upToNow();
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
        throw new HindsightError(
          'INVALID_ARGUMENT',
          `feature view '${view.name}' has no openEntities: it cannot list what to score`,
        );
      }
      await upToNow();
      return { entities: openEntities(state), position: { ...applied } };
    },
    close: async () => {
      failure ??= new Error('closed');
      abort.abort();
      await follower;
      await recording;
    },
  };
};
