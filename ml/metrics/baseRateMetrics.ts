// The bar a first model must clear: a constant predictor that always says the training base
// rate. Computed with the same metric functions, so the comparison is like for like.
import type { Label } from '../featureView.js';
import { brierScore } from './brierScore.js';
import { logLoss } from './logLoss.js';
import { prAuc } from './prAuc.js';
import { rocAuc } from './rocAuc.js';
import { assertLabels } from './scoredLabels.js';
import { classCounts } from './scoreGroups.js';

export interface BaseRateMetrics {
  /** Share of positives in the training labels: the constant score. */
  readonly baseRate: number;
  readonly logLoss: number;
  readonly brier: number;
  /** 0.5 (every pair tied); null when the labels hold one class only. */
  readonly rocAuc: number | null;
  /** The labels' positive rate (one threshold, everything predicted); null without positives. */
  readonly prAuc: number | null;
}

/** Metrics on validation `labels` of always predicting the base rate of `trainLabels`. */
export const baseRateMetrics = (
  trainLabels: readonly Label[],
  labels: readonly Label[],
): BaseRateMetrics => {
  assertLabels(trainLabels, 'trainLabels');
  const baseRate = classCounts(trainLabels).positives / trainLabels.length;
  const scores = labels.map(() => baseRate);
  return {
    baseRate,
    logLoss: logLoss(labels, scores),
    brier: brierScore(labels, scores),
    rocAuc: rocAuc(labels, scores),
    prAuc: prAuc(labels, scores),
  };
};
