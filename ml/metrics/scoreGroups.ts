// Rows grouped by distinct score, highest first: each group is one threshold of the ROC and
// PR curves, and grouping ties is what makes tied scores count as half (never in row order).
import type { Label } from '../featureView.js';

export interface ScoreGroup {
  /** The score shared by the group: predicting 1 when score >= it selects this group and above. */
  readonly score: number;
  readonly positives: number;
  readonly negatives: number;
}

/** Expects input already checked by `assertScoredLabels`. O(n log n). */
export const scoreGroups = (labels: readonly Label[], scores: readonly number[]): ScoreGroup[] => {
  const order = scores.map((_, index) => index);
  order.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  const groups: { score: number; positives: number; negatives: number }[] = [];
  for (const index of order) {
    const score = scores[index] ?? 0;
    let group = groups.at(-1);
    if (group?.score !== score) {
      group = { score, positives: 0, negatives: 0 };
      groups.push(group);
    }
    if (labels[index] === 1) group.positives += 1;
    else group.negatives += 1;
  }
  return groups;
};

/** How many rows of each class there are. */
export const classCounts = (labels: readonly Label[]): { positives: number; negatives: number } => {
  const positives = labels.reduce<number>((sum, label) => sum + label, 0);
  return { positives, negatives: labels.length - positives };
};
