// Mean negative log-likelihood of the labels. Scores are clipped so that one confident
// mistake costs a large but finite amount instead of making the whole metric Infinity.
import type { Label } from '../featureView.js';
import { assertScoredLabels, assertSetting } from './scoredLabels.js';

export const DEFAULT_LOG_LOSS_EPS = 1e-15;

/** Log loss (natural log), the true class's probability clipped to [eps, 1 − eps]. */
export const logLoss = (
  labels: readonly Label[],
  scores: readonly number[],
  eps = DEFAULT_LOG_LOSS_EPS,
): number => {
  assertScoredLabels(labels, scores);
  assertSetting(
    Number.isFinite(eps) && eps > 0 && eps < 0.5,
    `eps is ${eps}: it must be in (0, 0.5)`,
  );
  let total = 0;
  labels.forEach((label, index) => {
    const score = scores[index] ?? 0;
    // Clip the probability given to the true class, not the score: 1 − (1 − eps) is not eps in
    // floating point, so clipping the score would punish a wrong 1 more than a wrong 0.
    const truth = label === 1 ? score : 1 - score;
    total -= Math.log(Math.min(Math.max(truth, eps), 1 - eps));
  });
  return total / labels.length;
};
