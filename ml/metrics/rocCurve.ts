// The ROC curve at every distinct score, for plots and for choosing an operating threshold.
import type { Label } from '../featureView.js';
import { assertScoredLabels } from './scoredLabels.js';
import { classCounts, scoreGroups } from './scoreGroups.js';

export interface RocPoint {
  readonly fpr: number;
  readonly tpr: number;
  /**
   * Predict 1 when score >= threshold. Null at (0, 0): no score in [0, 1] predicts nothing
   * there (a score may be 1), and Infinity would not survive JSON.
   */
  readonly threshold: number | null;
}

/** From (0, 0) to (1, 1), one point per distinct score; null when only one class is present. */
export const rocCurve = (
  labels: readonly Label[],
  scores: readonly number[],
): RocPoint[] | null => {
  assertScoredLabels(labels, scores);
  const { positives, negatives } = classCounts(labels);
  if (positives === 0 || negatives === 0) return null;
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: null }];
  let truePositives = 0;
  let falsePositives = 0;
  for (const group of scoreGroups(labels, scores)) {
    truePositives += group.positives;
    falsePositives += group.negatives;
    points.push({
      fpr: falsePositives / negatives,
      tpr: truePositives / positives,
      threshold: group.score,
    });
  }
  return points;
};
