// Mean squared error of the probabilities: rewards calibration and sharpness together, and
// unlike log loss stays bounded (in [0, 1]) when a model is confidently wrong.
import type { Label } from '../featureView.js';
import { assertScoredLabels } from './scoredLabels.js';

export const brierScore = (labels: readonly Label[], scores: readonly number[]): number => {
  assertScoredLabels(labels, scores);
  let total = 0;
  labels.forEach((label, index) => {
    total += ((scores[index] ?? 0) - label) ** 2;
  });
  return total / labels.length;
};
