// Batch scoring: every entity the champion's feature view has open is scored as Predict scores
// it (same features, same champion, a PredictionMade each). Prediction ids derive from the
// batch and the entity, so a retried or resumed batch returns the predictions it made before
// and never makes a second one.
import { ApplicationFailure } from '@temporalio/activity';
import type { EventStore } from '../../eventstore/index.js';
import type { MlflowClient } from '../../mlflow/index.js';
import { createChampionModels } from '../../serving/championModels.js';
import { createLiveFeatures } from '../../serving/liveFeatures.js';
import { createPredictor } from '../../serving/predictor.js';
import type { ScoringClock } from '../../serving/scoringClock.js';
import { ServingError } from '../../serving/servingError.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { beatingWhile, cancellationSignal, heartbeat } from '../heartbeat.js';
import { namedEventId } from '../namedEventId.js';

export interface ScoringActivityDeps {
  store: EventStore;
  mlflow: MlflowClient;
  views: FeatureViewRegistry;
}

export interface ScoreOpenEntitiesInput {
  modelName: string;
  /** Names the batch: a retry with the same id makes no prediction twice. */
  batchId: string;
  /** Scores at most this many entities (the first ones in the view's order). */
  maxEntities?: number;
  /**
   * As of when the features are computed: `wall` (default) is now; `log` is the business time
   * of the newest event the view reads — for a history replayed or simulated faster than time.
   */
  clock?: ScoringClock;
}

export interface ScoreOpenEntitiesResult {
  modelVersion: string;
  /** The feature view the champion reads. */
  view?: string;
  /** The time the features were computed as of. */
  asOf: number | null;
  /** Entities open at the start of the batch. */
  entities: number;
  scored: number;
  /** Made by an earlier attempt of this batch, returned as they were. */
  replayed: number;
  /** Closed between the listing and their turn. */
  closed: number;
  meanScore: number | null;
}

export const scoreOpenEntities = async (
  { store, mlflow, views }: ScoringActivityDeps,
  { modelName, batchId, maxEntities = 100_000, clock = 'wall' }: ScoreOpenEntitiesInput,
): Promise<ScoreOpenEntitiesResult> => {
  const models = createChampionModels({ mlflow, aliasTtlMs: Number.POSITIVE_INFINITY });
  let champion;
  try {
    champion = await beatingWhile(models.champion(modelName));
  } catch (error) {
    if (error instanceof ServingError)
      throw ApplicationFailure.nonRetryable(error.message, error.reason);
    throw error;
  }
  const view = views.get(champion.view, champion.viewCodeHash);
  // Loading the model and catching the view up with the log take as long as they take: beating
  // meanwhile keeps the heartbeat timeout short, so a lost worker shows in seconds.
  const live = await beatingWhile(createLiveFeatures({ store, view, maxWaitMs: 60_000 }));
  try {
    const predictor = createPredictor({
      store,
      models,
      liveFeatures: (name) => (name === view.name ? { view, live: Promise.resolve(live) } : null),
    });
    const { entities } = await beatingWhile(live.openEntities());
    const batch = entities.slice(0, maxEntities);
    // Read after the listing: the log's clock is then at least as late as the listed state.
    const asOf = clock === 'log' ? await store.latestEventTime(view.eventTypes) : undefined;
    if (clock === 'log' && asOf === null && batch.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `the log has no event of view '${view.name}' yet: it has no clock to score by`,
        'NO_LOG_CLOCK',
      );
    }
    const result: ScoreOpenEntitiesResult = {
      modelVersion: champion.version,
      view: view.name,
      asOf: asOf ?? null,
      entities: batch.length,
      scored: 0,
      replayed: 0,
      closed: 0,
      meanScore: null,
    };
    let total = 0;
    const signal = cancellationSignal();
    for (const entityId of batch) {
      signal?.throwIfAborted();
      try {
        const prediction = await predictor.predict({
          modelName,
          entityId,
          predictionId: namedEventId(`${batchId}/${entityId}`),
          actor: 'batch-scoring',
          ...(asOf ? { asOf } : {}),
          correlationId: batchId,
        });
        if (prediction.replayed) result.replayed += 1;
        else result.scored += 1;
        total += prediction.score;
      } catch (error) {
        if (error instanceof ServingError && error.reason === 'ENTITY_NOT_FOUND')
          result.closed += 1;
        else throw error;
      }
      heartbeat({ done: result.scored + result.replayed + result.closed, of: batch.length });
    }
    const made = result.scored + result.replayed;
    result.meanScore = made === 0 ? null : total / made;
    return result;
  } finally {
    await live.close();
  }
};
