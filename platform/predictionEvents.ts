// `PredictionMade`, each on its own stream `prediction-<id>` (the prediction id is its event id):
// a score as it was served, which live evaluation later joins to the outcomes the log brings.
import type { Position } from '../eventstore/index.js';

export const PREDICTION_MADE = 'PredictionMade';
export const PREDICTION_CATEGORY = 'prediction';
export const predictionStreamOf = (predictionId: string): string =>
  `${PREDICTION_CATEGORY}-${predictionId}`;

/** The data of a `PredictionMade` event (schema version 1). */
export interface PredictionMadeData {
  [key: string]: unknown;
  predictionId: string;
  modelName: string;
  modelVersion: string;
  entityId: string;
  view: { name: string; version: number; codeHash: string };
  /** P(label = 1). */
  score: number;
  /** The features scored, by name (`Features` of ml/featureView). */
  features: Readonly<Record<string, number | string | boolean | null>>;
  /** sha256 of the features' canonical line (`featuresDigest`). */
  featuresDigest: string;
  /** Every event below it was in the features, none after it. */
  logPosition: Position;
  /** The business time the features were computed for, ms since the epoch. */
  predictedAt: number;
}
