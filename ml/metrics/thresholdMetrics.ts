// What a model does once a threshold turns its scores into decisions. Ratios with nothing to
// divide by are null, not 0 or NaN: "no positives" must not read as "recall 0".
import type { Label } from '../featureView.js';
import { assertScoredLabels, assertSetting } from './scoredLabels.js';

export const DEFAULT_THRESHOLD = 0.5;

export interface ThresholdMetrics {
  /** Predict 1 when score >= threshold. */
  readonly threshold: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
  readonly accuracy: number;
  /** Null when nothing is predicted positive. */
  readonly precision: number | null;
  /** Null when there are no positives. */
  readonly recall: number | null;
  /** 2TP / (2TP + FP + FN), defined whenever precision or recall is; null when neither is. */
  readonly f1: number | null;
  /** Null when there are no negatives. */
  readonly specificity: number | null;
}

const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;

export const thresholdMetrics = (
  labels: readonly Label[],
  scores: readonly number[],
  threshold = DEFAULT_THRESHOLD,
): ThresholdMetrics => {
  assertScoredLabels(labels, scores);
  assertSetting(
    Number.isFinite(threshold) && threshold >= 0 && threshold <= 1,
    `threshold is ${threshold}: it must be in [0, 1]`,
  );
  let truePositives = 0;
  let falsePositives = 0;
  let trueNegatives = 0;
  let falseNegatives = 0;
  labels.forEach((label, index) => {
    const predicted = (scores[index] ?? 0) >= threshold;
    if (predicted && label === 1) truePositives += 1;
    else if (predicted) falsePositives += 1;
    else if (label === 1) falseNegatives += 1;
    else trueNegatives += 1;
  });
  return {
    threshold,
    truePositives,
    falsePositives,
    trueNegatives,
    falseNegatives,
    accuracy: (truePositives + trueNegatives) / labels.length,
    precision: ratio(truePositives, truePositives + falsePositives),
    recall: ratio(truePositives, truePositives + falseNegatives),
    // The count form, not 2PR/(P+R): it stays defined (0) when precision alone is undefined.
    f1: ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives),
    specificity: ratio(trueNegatives, trueNegatives + falsePositives),
  };
};
