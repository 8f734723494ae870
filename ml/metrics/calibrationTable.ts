// Reliability table: do rows scored around p turn out positive about p of the time? Equal-width
// bins over [0, 1], so that tables of different models line up bin by bin.
import type { Label } from '../featureView.js';
import { assertScoredLabels, assertSetting } from './scoredLabels.js';

export const DEFAULT_CALIBRATION_BINS = 10;

export interface CalibrationBin {
  /** The bin holds scores in [lower, upper); the last bin also holds 1. */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Null when the bin is empty. */
  readonly meanPredicted: number | null;
  /** Share of positives among the bin's rows; null when the bin is empty. */
  readonly observedRate: number | null;
}

export interface CalibrationTable {
  readonly bins: readonly CalibrationBin[];
  /** Count-weighted mean of |meanPredicted − observedRate| over the bins. */
  readonly expectedCalibrationError: number;
}

// floor(score · bins) can land one bin off where the product rounds (e.g. 0.29 · 100 = 28.999…);
// membership is settled against the reported bounds, so a row is always inside its bin.
const binOf = (score: number, bins: number): number => {
  let bin = Math.min(Math.floor(score * bins), bins - 1);
  if (score < bin / bins) bin -= 1;
  else if (bin < bins - 1 && score >= (bin + 1) / bins) bin += 1;
  return bin;
};

export const calibrationTable = (
  labels: readonly Label[],
  scores: readonly number[],
  bins = DEFAULT_CALIBRATION_BINS,
): CalibrationTable => {
  assertScoredLabels(labels, scores);
  assertSetting(
    Number.isInteger(bins) && bins >= 1 && bins <= 1000,
    `bins is ${bins}: it must be an integer from 1 to 1000`,
  );
  const counts = new Array<number>(bins).fill(0);
  const scoreSums = new Array<number>(bins).fill(0);
  const positiveCounts = new Array<number>(bins).fill(0);
  labels.forEach((label, index) => {
    const score = scores[index] ?? 0;
    const bin = binOf(score, bins);
    counts[bin] = (counts[bin] ?? 0) + 1;
    scoreSums[bin] = (scoreSums[bin] ?? 0) + score;
    positiveCounts[bin] = (positiveCounts[bin] ?? 0) + label;
  });
  let weightedGap = 0;
  const table = counts.map((count, bin): CalibrationBin => {
    const bounds = { lower: bin / bins, upper: (bin + 1) / bins, count };
    if (count === 0) return { ...bounds, meanPredicted: null, observedRate: null };
    const meanPredicted = (scoreSums[bin] ?? 0) / count;
    const observedRate = (positiveCounts[bin] ?? 0) / count;
    weightedGap += count * Math.abs(meanPredicted - observedRate);
    return { ...bounds, meanPredicted, observedRate };
  });
  return { bins: table, expectedCalibrationError: weightedGap / labels.length };
};
