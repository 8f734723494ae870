// Area under the PR curve as average precision (scikit-learn's definition): a step sum, not a
// trapezoid, because linear interpolation between PR points overstates the area.
import type { Label } from '../featureView.js';
import { prCurve } from './prCurve.js';

/** Sum over distinct scores of (R_n − R_{n−1}) · P_n; null when there are no positives. */
export const prAuc = (labels: readonly Label[], scores: readonly number[]): number | null => {
  const points = prCurve(labels, scores);
  if (points === null) return null;
  let area = 0;
  let previousRecall = 0;
  for (const { recall, precision } of points) {
    area += (recall - previousRecall) * precision;
    previousRecall = recall;
  }
  return area;
};
