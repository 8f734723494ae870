// What the retraining pipeline and its training and evaluation activities pass each other.
import type { GainInterval } from '../../ml/metrics/pairedBootstrap.js';
import type { Metrics } from '../../ml/promotion/metricDirections.js';
import type { DatasetRef } from './publishedDataset.js';

export type { DatasetRef };

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
  /** The exact dataset the pipeline's dataset stage published. */
  dataset: DatasetRef;
  trainer: TrainerSpec;
  /** The pipeline's MLflow run, under which the training run nests. */
  pipelineRunId?: string | null;
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
  /**
   * True when a version of this model had learnt from this very dataset with this very
   * trainer configuration already: it is that version, and nothing new was registered.
   */
  reused?: boolean;
}

export interface EvaluateModelsInput {
  workflowId: string;
  view: string;
  modelName: string;
  dataset: DatasetRef;
  challengers: TrainedVersion[];
  /** Predict 1 at or above it, for accuracy, precision and recall; default 0.5. */
  threshold: number;
  /** The promotion rules: their primary metric selects, their significance sets the interval. */
  rules: unknown;
  /** The pipeline's MLflow run, under which the evaluation run nests. */
  pipelineRunId?: string | null;
}

export interface EvaluatedModel {
  version: string;
  metrics: Metrics;
}

/**
 * The two steps, on rows neither decision has seen before: the challengers are compared on the
 * validation window and the best is selected; the selected one and the champion are then scored
 * on the test window's rows that neither of them trained on, and the promotion decides on those.
 */
export interface Evaluation {
  runId: string;
  /** Rows of the validation window, on which the challengers were compared. */
  validationRows: number;
  /** Each challenger on the validation rows. */
  challengers: EvaluatedModel[];
  /** The challenger best on the rules' primary metric over the validation rows. */
  selected: string;
  /**
   * Where the decision's rows come from: the test window, or the validation window when the
   * dataset has none (testFraction 0), whose rows also selected the challenger.
   */
  decisionWindow: 'test' | 'validation';
  /** Rows of that window that neither the selected challenger nor the champion trained on. */
  decisionRows: number;
  /** Rows of the window left out because the champion had trained on them. */
  excludedRows: number;
  /** The selected challenger on the decision rows. */
  challenger: EvaluatedModel;
  /** The champion on the decision rows; null when there is none. */
  champion: EvaluatedModel | null;
  /** A constant predictor at the training base rate, on the decision rows. */
  baseline: Metrics;
  /** The paired bootstrap of the selected challenger against the champion (or the baseline). */
  interval: GainInterval | null;
}
