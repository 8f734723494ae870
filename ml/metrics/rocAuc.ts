// Area under the ROC curve as the Mann–Whitney statistic: the chance that a random positive
// scores above a random negative, ties counting half. Exact, unlike a trapezoid over a curve
// sampled at chosen thresholds.
import type { Label } from '../featureView.js';
import { assertScoredLabels } from './scoredLabels.js';
import { classCounts, scoreGroups } from './scoreGroups.js';

/** ROC AUC in [0, 1]; null when only one class is present (no pair to compare). */
export const rocAuc = (labels: readonly Label[], scores: readonly number[]): number | null => {
  assertScoredLabels(labels, scores);
  const { positives, negatives } = classCounts(labels);
  if (positives === 0 || negatives === 0) return null;
  // Sums of integers and halves: exact in doubles far beyond any dataset we evaluate.
  let pairsWon = 0;
  let positivesAbove = 0;
  for (const group of scoreGroups(labels, scores)) {
    pairsWon += group.negatives * (positivesAbove + group.positives / 2);
    positivesAbove += group.positives;
  }
  return pairsWon / (positives * negatives);
};
