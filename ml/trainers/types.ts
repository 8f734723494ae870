// The trainer contract: a training set in, a JSON-safe model artifact and per-iteration metrics
// out. The artifact alone is enough to score (preprocessing included), so a model travels
// through MLflow as one JSON file, and a trainer written in another language can join later.
import type { FeatureType, FeatureValue, Label } from '../featureView.js';
import type { PreprocessingState } from './preprocessing.js';

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface TrainingSet {
  featureNames: readonly string[];
  /** The type of every feature in `featureNames`. */
  featureTypes: Readonly<Record<string, FeatureType>>;
  /** Row-major: each row's values in the order of `featureNames`. */
  rows: readonly (readonly FeatureValue[])[];
  /** One per row. */
  labels: readonly Label[];
}

export const MODEL_FORMAT = 'hindsight.model/1';

export interface ModelArtifact {
  format: typeof MODEL_FORMAT;
  /** The name of the trainer that made it, which also loads it (see `loadModel`). */
  trainer: string;
  /** The parameters as trained, defaults filled in. */
  params: JsonValue;
  seed: number;
  featureNames: readonly string[];
  featureTypes: Readonly<Record<string, FeatureType>>;
  /** Fitted on the training rows, applied the same way at scoring. */
  preprocessing: PreprocessingState;
  /** Trainer-specific. */
  model: JsonValue;
}

export interface TrainingIteration {
  step: number;
  metrics: Record<string, number>;
}

export interface TrainedModel {
  artifact: ModelArtifact;
  /** Metrics per iteration where the algorithm has iterations; empty otherwise. */
  iterations: TrainingIteration[];
}

export interface ModelScorer {
  readonly artifact: ModelArtifact;
  /**
   * P(label = 1) in [0, 1] for each row; a row's values are in the order of the artifact's
   * `featureNames`, each of its feature's type or null.
   */
  predict(rows: readonly (readonly FeatureValue[])[]): number[];
}

// Methods, not function properties: a `Trainer<P>` is then a `Trainer<unknown>` too, so the
// registry can hold trainers of different parameters.
export interface Trainer<Params> {
  /** Lower-case snake case; recorded in the artifact. */
  name: string;
  description: string;
  /** Checks the parameters and fills in defaults; throws INVALID_ARGUMENT naming the field. */
  parseParams(input: unknown): Params;
  /**
   * Pure and deterministic: the same set, params and seed give a byte-identical artifact.
   * The seed is an integer in [0, 2^32).
   */
  train(set: TrainingSet, params: Params, seed: number): TrainedModel;
  /** A scorer from an artifact this trainer made. */
  load(artifact: ModelArtifact): ModelScorer;
}
