// The precision–recall curve at every distinct score. It tells more than ROC when positives
// are rare, which is the usual case for overruns and failures.
import type { Label } from '../featureView.js';
import { assertScoredLabels } from './scoredLabels.js';
import { classCounts, scoreGroups } from './scoreGroups.js';

export interface PrPoint {
  readonly recall: number;
  readonly precision: number;
  /** Predict 1 when score >= threshold; null at the conventional start (recall 0, precision 1). */
  readonly threshold: number | null;
}

/**
 * Starts at (recall 0, precision 1) as scikit-learn does, then one point per distinct score,
 * highest first, ending at recall 1. Null when there are no positives (recall is undefined).
 */
export const prCurve = (labels: readonly Label[], scores: readonly number[]): PrPoint[] | null => {
  assertScoredLabels(labels, scores);
  const { positives } = classCounts(labels);
  if (positives === 0) return null;
  const points: PrPoint[] = [{ recall: 0, precision: 1, threshold: null }];
  let truePositives = 0;
  let predictedPositives = 0;
  for (const group of scoreGroups(labels, scores)) {
    truePositives += group.positives;
    predictedPositives += group.positives + group.negatives;
    points.push({
      recall: truePositives / positives,
      precision: truePositives / predictedPositives,
      threshold: group.score,
    });
  }
  return points;
};
