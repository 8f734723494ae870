// Online prediction: an entity's features as of now from the live view, scored by the model's
// champion, recorded as a `PredictionMade` event (its own stream `prediction-<id>`, the
// prediction id as its event id) before the score is returned. Live evaluation later joins
// these events to the outcomes the log brings.
import { v7 as uuidv7 } from 'uuid';
import {
  EventIdConflictError,
  type EventStore,
  NotFoundError,
  ValidationError,
  WrongExpectedVersionError,
} from '../eventstore/index.js';
import { featuresDigest } from '../ml/dataset.js';
import type { FeatureView } from '../ml/featureView.js';
import type { ChampionModels } from './championModels.js';
import type { LiveFeatures } from './liveFeatures.js';
import { ServingError } from './servingError.js';
import { MODEL_NAME } from '../ml/names.js';
import {
  PREDICTION_MADE,
  predictionStreamOf,
  type PredictionMadeData,
} from '../platform/predictionEvents.js';

// bench/ still imports these names from here; their home is platform/.
export { PREDICTION_MADE, predictionStreamOf };

export interface Prediction extends PredictionMadeData {
  /** The global position of the `PredictionMade` event. */
  eventPosition: number;
  /** True when the prediction id had been used: this is the prediction made then. */
  replayed: boolean;
}

export interface PredictInput {
  modelName: string;
  entityId: string;
  /** A UUID the client chose, so that a retry returns the first result; default a UUIDv7. */
  predictionId?: string;
  /** The business time the features are for (ms since the epoch); default now. */
  asOf?: number;
  actor?: string;
  correlationId?: string;
}

export interface PredictorOptions {
  store: Pick<EventStore, 'append' | 'readStream'>;
  models: ChampionModels;
  /** The live features of each feature view that may serve, by name. */
  liveFeatures: (
    view: string,
  ) => { view: FeatureView<unknown>; live: Promise<LiveFeatures> } | null;
}

export interface Predictor {
  predict(input: PredictInput): Promise<Prediction>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** As a stream id's characters, so that an entity id can name streams. */
const ENTITY_ID = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}_.:@~+=/$-]{0,179}$/u;

/** Checks the input, naming the field; nothing is read or written before it passes. */
export const checkPredictInput = (input: PredictInput): void => {
  if (!MODEL_NAME.test(input.modelName)) {
    throw new ValidationError(
      'model_name',
      input.modelName === '' ? 'is required' : `'${input.modelName}' is not a model name`,
    );
  }
  if (!ENTITY_ID.test(input.entityId)) {
    throw new ValidationError(
      'entity_id',
      input.entityId === ''
        ? 'is required'
        : `'${input.entityId}' is not an entity id (letters, digits and _.:@~+=/$-, at most 180)`,
    );
  }
  if (input.asOf !== undefined && !(Number.isSafeInteger(input.asOf) && input.asOf > 0)) {
    throw new ValidationError(
      'as_of_ms',
      `must be a positive whole number of ms since the epoch, got ${input.asOf}`,
    );
  }
  if (input.predictionId !== undefined && !UUID.test(input.predictionId)) {
    throw new ValidationError(
      'prediction_id',
      `must be a lower-case UUID such as 0190f5e2-7c1a-7b3e-9f10-2a4b6c8d0e1f, got '${input.predictionId}'`,
    );
  }
};

export const createPredictor = ({ store, models, liveFeatures }: PredictorOptions): Predictor => {
  /** The prediction already recorded under this id, if any. */
  const recorded = async (predictionId: string): Promise<Prediction | null> => {
    let event;
    try {
      [event] = (await store.readStream(predictionStreamOf(predictionId), { limit: 1 })).events;
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
    if (!event) return null;
    const data = JSON.parse(event.data) as PredictionMadeData;
    // The store keeps JSON as jsonb, which orders keys its own way: give the view's order back.
    const names = liveFeatures(data.view.name)?.view.featureNames ?? Object.keys(data.features);
    const features = Object.fromEntries(names.map((name) => [name, data.features[name] ?? null]));
    return { ...data, features, eventPosition: event.globalPosition, replayed: true };
  };

  return {
    predict: async (input) => {
      checkPredictInput(input);
      if (input.predictionId !== undefined) {
        const earlier = await recorded(input.predictionId);
        if (earlier) return checkSameRequest(earlier, input);
      }
      const champion = await models.champion(input.modelName);
      const serving = liveFeatures(champion.view);
      if (!serving || serving.view.codeHash !== champion.viewCodeHash) {
        throw new ServingError(
          'VIEW_MISMATCH',
          `model ${champion.modelName} v${champion.version} learnt from view '${champion.view}' ` +
            `(code ${champion.viewCodeHash.slice(0, 12)}), but this server runs ` +
            (serving ? `code ${serving.view.codeHash.slice(0, 12)} of it` : 'no view of that name'),
        );
      }
      const live = await serving.live;
      const now = await live.featuresNow(input.entityId, input.asOf);
      if (now.features === null) {
        throw new ServingError(
          'ENTITY_NOT_FOUND',
          `view '${serving.view.name}' has no open entity '${input.entityId}' ` +
            `(log applied up to transaction ${now.position.transactionId})`,
        );
      }
      const { features } = now;
      const { artifact } = champion.scorer;
      const [score] = champion.scorer.predict([
        artifact.featureNames.map((n) => features[n] ?? null),
      ]);
      if (score === undefined || !Number.isFinite(score)) {
        throw new Error(`model ${champion.modelName} v${champion.version} gave no score`);
      }
      const predictionId = input.predictionId ?? uuidv7();
      const data: PredictionMadeData = {
        predictionId,
        modelName: champion.modelName,
        modelVersion: champion.version,
        entityId: input.entityId,
        view: {
          name: serving.view.name,
          version: serving.view.version,
          codeHash: serving.view.codeHash,
        },
        score,
        features,
        featuresDigest: featuresDigest(serving.view.featureNames, features),
        logPosition: now.position,
        predictedAt: now.at,
      };
      try {
        const result = await store.append(
          predictionStreamOf(predictionId),
          [
            {
              eventId: predictionId,
              type: PREDICTION_MADE,
              data,
              occurredAt: now.at,
              metadata: {
                ...(input.actor ? { actor: input.actor } : {}),
                ...(input.correlationId ? { correlation_id: input.correlationId } : {}),
              },
            },
          ],
          { kind: 'no_stream' },
        );
        return { ...data, eventPosition: result.globalPositions[0] ?? 0, replayed: false };
      } catch (error) {
        // Two calls with one prediction id raced: the first one's prediction stands.
        if (
          input.predictionId !== undefined &&
          (error instanceof WrongExpectedVersionError || error instanceof EventIdConflictError)
        ) {
          const earlier = await recorded(input.predictionId);
          if (earlier) return checkSameRequest(earlier, input);
        }
        throw error;
      }
    },
  };
};

/** A reused prediction id must come with the same model and entity. */
const checkSameRequest = (earlier: Prediction, input: PredictInput): Prediction => {
  if (earlier.modelName !== input.modelName || earlier.entityId !== input.entityId) {
    throw new EventIdConflictError(
      earlier.predictionId,
      `is the prediction id of a prediction for model '${earlier.modelName}' and entity ` +
        `'${earlier.entityId}', not '${input.modelName}' and '${input.entityId}'`,
    );
  }
  return earlier;
};
