// Every metric of a binary classifier in one JSON-safe object: what a training run logs to
// MLflow and what promotion rules compare. Numbers or null only, never NaN or Infinity.
import type { Label } from '../featureView.js';
import { brierScore } from './brierScore.js';
import {
  calibrationTable,
  DEFAULT_CALIBRATION_BINS,
  type CalibrationBin,
} from './calibrationTable.js';
import { logLoss } from './logLoss.js';
import { prAuc } from './prAuc.js';
import { rocAuc } from './rocAuc.js';
import { classCounts } from './scoreGroups.js';
import { DEFAULT_THRESHOLD, thresholdMetrics, type ThresholdMetrics } from './thresholdMetrics.js';

export interface EvaluateClassifierOptions {
  /** Predict 1 when score >= threshold; 0.5 unless given. */
  threshold?: number;
  /** Equal-width calibration bins over [0, 1]; 10 unless given. */
  bins?: number;
}

/** The threshold's figures (accuracy, precision, recall, …) and the threshold-free ones. */
export interface ClassifierMetrics extends ThresholdMetrics {
  readonly rows: number;
  readonly positives: number;
  /** Null when only one class is present. */
  readonly rocAuc: number | null;
  /** Average precision; null when there are no positives. */
  readonly prAuc: number | null;
  readonly logLoss: number;
  readonly brier: number;
  readonly calibration: readonly CalibrationBin[];
  /** Expected calibration error over `calibration`. */
  readonly ece: number;
}

export const evaluateClassifier = (
  labels: readonly Label[],
  scores: readonly number[],
  {
    threshold = DEFAULT_THRESHOLD,
    bins = DEFAULT_CALIBRATION_BINS,
  }: EvaluateClassifierOptions = {},
): ClassifierMetrics => {
  const atThreshold = thresholdMetrics(labels, scores, threshold);
  const calibration = calibrationTable(labels, scores, bins);
  return {
    rows: labels.length,
    positives: classCounts(labels).positives,
    rocAuc: rocAuc(labels, scores),
    prAuc: prAuc(labels, scores),
    logLoss: logLoss(labels, scores),
    brier: brierScore(labels, scores),
    ...atThreshold,
    calibration: calibration.bins,
    ece: calibration.expectedCalibrationError,
  };
};
