// What the retraining pipeline and its training and evaluation activities pass each other.
import type { Metrics } from '../../ml/promotion/metricDirections.js';

export interface TrainerSpec {
  /** A built-in trainer, e.g. `logistic_regression` or `random_forest`. */
  name: string;
  /** Its hyperparameters; defaults fill what is left out. */
  params?: unknown;
  /** Default 1. */
  seed?: number;
}

export interface CheckPipelineInput {
  view: string;
  trainers: TrainerSpec[];
  rules: unknown;
}

export interface TrainModelInput {
  workflowId: string;
  /** Tells apart the trainings of one pipeline, e.g. `1-random_forest`. */
  trainingId: string;
  view: string;
  modelName: string;
  datasetDigest: string;
  trainer: TrainerSpec;
}

export interface TrainedVersion {
  modelName: string;
  version: string;
  runId: string;
  trainer: string;
  params: unknown;
  seed: number;
  trainingSeconds: number;
  trainRows: number;
}

export interface EvaluateModelsInput {
  workflowId: string;
  view: string;
  modelName: string;
  datasetDigest: string;
  challengers: TrainedVersion[];
  /** Predict 1 at or above it, for accuracy, precision and recall; default 0.5. */
  threshold: number;
}

export interface EvaluatedModel {
  version: string;
  metrics: Metrics;
}

export interface Evaluation {
  runId: string;
  validationRows: number;
  baseline: Metrics;
  champion: EvaluatedModel | null;
  challengers: EvaluatedModel[];
}
