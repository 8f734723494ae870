// How sure is a gain? The paired bootstrap draws the validation rows with replacement and scores
// both models on the same draw, so the noise of the rows cancels out of the difference, and the
// spread of the resampled gains bounds it. Each metric is computed from how often a resample drew
// each row (multiplicity weights), over orders sorted once: O(rows) per resample, no re-sorting.
import { HindsightError } from '../../platform/errors.js';
import { improvement, metricDirection } from '../promotion/metricDirections.js';
import { DEFAULT_CALIBRATION_BINS } from './calibrationTable.js';
import { DEFAULT_LOG_LOSS_EPS } from './logLoss.js';
import { DEFAULT_THRESHOLD } from './thresholdMetrics.js';

export interface GainInterval {
  /** A name of `METRIC_DIRECTIONS`, e.g. 'rocAuc'. */
  metric: string;
  /** E.g. 0.95. */
  confidence: number;
  /** Resamples drawn; those where the metric was undefined are left out of the percentiles. */
  resamples: number;
  /** Rows compared. */
  rows: number;
  /** `improvement(metric, challenger, reference)` on all rows: positive is better. */
  gain: number;
  /** The percentile interval of the gain over the paired resamples. */
  lower: number;
  upper: number;
  /** Standard deviation of the resampled gains. */
  standardError: number;
}

export interface PairedBootstrapInput {
  /** 0 or 1. */
  labels: ArrayLike<number>;
  /** The challenger's scores (probabilities), same rows and order as `labels`. */
  challenger: ArrayLike<number>;
  /** The champion's (or the constant baseline's) scores on the same rows. */
  reference: ArrayLike<number>;
  /** Any name of `METRIC_DIRECTIONS`; the threshold metrics use `threshold`. */
  metric: string;
  /** Predict 1 when score >= threshold; default 0.5. */
  threshold?: number;
  /** In (0, 1); default 0.95. */
  confidence?: number;
  /** A whole number from 100 to 100000; default 1000. */
  resamples?: number;
  /** Of the deterministic generator: the same input gives the same interval. Default 1. */
  seed?: number;
}

export const DEFAULT_BOOTSTRAP_CONFIDENCE = 0.95;
export const DEFAULT_BOOTSTRAP_RESAMPLES = 1000;
export const DEFAULT_BOOTSTRAP_SEED = 1;

/** One model's metric over rows counted `weights[i]` times each; null where it is undefined. */
export type WeightedMetric = (weights: ArrayLike<number>) => number | null;

const invalid = (message: string): HindsightError =>
  new HindsightError('INVALID_ARGUMENT', message);

const describe = (value: unknown): string =>
  typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));

// ---------- the metrics, weighted ----------
// Each mirrors its function in this folder operation for operation, so that with every weight 1
// it gives the very same number (the unit tests hold them to it).

/** Rows by score, highest first, and where each run of tied scores ends: one sort per model. */
interface ScoreOrder {
  order: Uint32Array;
  /** The labels in that order. */
  labels: Uint8Array;
  /** 1 at the last row of a run of tied scores (a score group of `scoreGroups`). */
  groupEnds: Uint8Array;
}

const scoreOrder = (labels: Uint8Array, scores: Float64Array): ScoreOrder => {
  const rows = labels.length;
  const order = Uint32Array.from({ length: rows }, (_, index) => index);
  order.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  const sortedLabels = new Uint8Array(rows);
  const groupEnds = new Uint8Array(rows);
  for (let k = 0; k < rows; k += 1) {
    const row = order[k] ?? 0;
    sortedLabels[k] = labels[row] ?? 0;
    const next = order[k + 1];
    groupEnds[k] = next === undefined || scores[next] !== scores[row] ? 1 : 0;
  }
  return { order, labels: sortedLabels, groupEnds };
};

/** As `rocAuc`: pairs won by positives over negatives, ties counting half. */
const weightedRocAuc =
  ({ order, labels, groupEnds }: ScoreOrder): WeightedMetric =>
  (weights) => {
    let pairsWon = 0;
    let positivesAbove = 0;
    let negatives = 0;
    let groupPositives = 0;
    let groupRows = 0;
    // Sums by multiplying with the 0/1 label rather than branching on it: a branch on random
    // labels is mispredicted at every other row, which costs more than the whole sum.
    for (let k = 0; k < order.length; k += 1) {
      const weight = weights[order[k] ?? 0] ?? 0;
      groupPositives += weight * (labels[k] ?? 0);
      groupRows += weight;
      if (groupEnds[k] === 1) {
        const groupNegatives = groupRows - groupPositives;
        pairsWon += groupNegatives * (positivesAbove + groupPositives / 2);
        positivesAbove += groupPositives;
        negatives += groupNegatives;
        groupPositives = 0;
        groupRows = 0;
      }
    }
    if (positivesAbove === 0 || negatives === 0) return null;
    return pairsWon / (positivesAbove * negatives);
  };

/** As `prAuc`: average precision, a step sum over the score groups a resample drew. */
const weightedPrAuc =
  ({ order, labels, groupEnds }: ScoreOrder): WeightedMetric =>
  (weights) => {
    let positives = 0;
    for (let k = 0; k < order.length; k += 1) {
      positives += (weights[order[k] ?? 0] ?? 0) * (labels[k] ?? 0);
    }
    if (positives === 0) return null;
    let area = 0;
    let previousRecall = 0;
    let truePositives = 0;
    let predictedPositives = 0;
    let groupPositives = 0;
    let groupRows = 0;
    for (let k = 0; k < order.length; k += 1) {
      const weight = weights[order[k] ?? 0] ?? 0;
      groupPositives += weight * (labels[k] ?? 0);
      groupRows += weight;
      if (groupEnds[k] === 1) {
        // A group no row of the resample fell in is no threshold of its curve.
        if (groupRows > 0) {
          truePositives += groupPositives;
          predictedPositives += groupRows;
          const recall = truePositives / positives;
          const precision = truePositives / predictedPositives;
          area += (recall - previousRecall) * precision;
          previousRecall = recall;
        }
        groupPositives = 0;
        groupRows = 0;
      }
    }
    return area;
  };

/** The weighted mean of a per-row loss, summed in row order as `logLoss` and `brierScore` do. */
const weightedMean =
  (losses: Float64Array): WeightedMetric =>
  (weights) => {
    let total = 0;
    let count = 0;
    for (let i = 0; i < losses.length; i += 1) {
      const weight = weights[i] ?? 0;
      total += weight * (losses[i] ?? 0);
      count += weight;
    }
    return total / count;
  };

const logLosses = (labels: Uint8Array, scores: Float64Array): Float64Array =>
  Float64Array.from(labels, (label, i) => {
    const score = scores[i] ?? 0;
    const truth = label === 1 ? score : 1 - score;
    const eps = DEFAULT_LOG_LOSS_EPS;
    return -Math.log(Math.min(Math.max(truth, eps), 1 - eps));
  });

const squaredErrors = (labels: Uint8Array, scores: Float64Array): Float64Array =>
  Float64Array.from(labels, (label, i) => ((scores[i] ?? 0) - label) ** 2);

const TRUE_POSITIVE = 0;
const FALSE_POSITIVE = 1;
const TRUE_NEGATIVE = 2;
const FALSE_NEGATIVE = 3;

type ThresholdMetricName = 'accuracy' | 'precision' | 'recall' | 'f1';

/** As `thresholdMetrics`: the confusion matrix of the resample, then one ratio of it. */
const weightedThresholdMetric = (
  metric: ThresholdMetricName,
  labels: Uint8Array,
  scores: Float64Array,
  threshold: number,
): WeightedMetric => {
  const cells = Uint8Array.from(labels, (label, i) => {
    const predicted = (scores[i] ?? 0) >= threshold;
    if (predicted) return label === 1 ? TRUE_POSITIVE : FALSE_POSITIVE;
    return label === 1 ? FALSE_NEGATIVE : TRUE_NEGATIVE;
  });
  const ratio = (numerator: number, denominator: number): number | null =>
    denominator === 0 ? null : numerator / denominator;
  return (weights) => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < cells.length; i += 1) {
      const cell = cells[i] ?? 0;
      counts[cell] = (counts[cell] ?? 0) + (weights[i] ?? 0);
    }
    const [tp = 0, fp = 0, tn = 0, fn = 0] = counts;
    if (metric === 'accuracy') return (tp + tn) / (tp + fp + tn + fn);
    if (metric === 'precision') return ratio(tp, tp + fp);
    if (metric === 'recall') return ratio(tp, tp + fn);
    return ratio(2 * tp, 2 * tp + fp + fn);
  };
};

// The bin `calibrationTable` puts a score in: floor(score · bins), settled against the bin's
// reported bounds where the product rounds across one.
const calibrationBinOf = (score: number, bins: number): number => {
  let bin = Math.min(Math.floor(score * bins), bins - 1);
  if (score < bin / bins) bin -= 1;
  else if (bin < bins - 1 && score >= (bin + 1) / bins) bin += 1;
  return bin;
};

/** As `calibrationTable(…).expectedCalibrationError` with its default 10 bins. */
const weightedEce = (labels: Uint8Array, scores: Float64Array): WeightedMetric => {
  const bins = DEFAULT_CALIBRATION_BINS;
  const binOf = Uint16Array.from(scores, (score) => calibrationBinOf(score, bins));
  return (weights) => {
    const counts = new Float64Array(bins);
    const scoreSums = new Float64Array(bins);
    const positiveCounts = new Float64Array(bins);
    let rows = 0;
    for (let i = 0; i < binOf.length; i += 1) {
      const weight = weights[i] ?? 0;
      const bin = binOf[i] ?? 0;
      counts[bin] = (counts[bin] ?? 0) + weight;
      scoreSums[bin] = (scoreSums[bin] ?? 0) + weight * (scores[i] ?? 0);
      positiveCounts[bin] = (positiveCounts[bin] ?? 0) + weight * (labels[i] ?? 0);
      rows += weight;
    }
    let weightedGap = 0;
    for (let bin = 0; bin < bins; bin += 1) {
      const count = counts[bin] ?? 0;
      if (count === 0) continue;
      const meanPredicted = (scoreSums[bin] ?? 0) / count;
      const observedRate = (positiveCounts[bin] ?? 0) / count;
      weightedGap += count * Math.abs(meanPredicted - observedRate);
    }
    return weightedGap / rows;
  };
};

/**
 * The metric of one model's scores, ready to be computed for any row weights. Expects labels of
 * 0/1 and scores in [0, 1] (checked by `pairedBootstrap`); weights are counts ≥ 0, not all 0.
 */
export const weightedMetric = (
  metric: string,
  labels: Uint8Array,
  scores: Float64Array,
  threshold = DEFAULT_THRESHOLD,
): WeightedMetric => {
  metricDirection(metric);
  switch (metric) {
    case 'rocAuc':
      return weightedRocAuc(scoreOrder(labels, scores));
    case 'prAuc':
      return weightedPrAuc(scoreOrder(labels, scores));
    case 'logLoss':
      return weightedMean(logLosses(labels, scores));
    case 'brier':
      return weightedMean(squaredErrors(labels, scores));
    case 'ece':
      return weightedEce(labels, scores);
    default:
      return weightedThresholdMetric(metric as ThresholdMetricName, labels, scores, threshold);
  }
};

/** Why the metric can be undefined on a sample, for the error that says it was. */
const undefinedBecause = (metric: string, threshold: number): string => {
  switch (metric) {
    case 'rocAuc':
      return 'the rows held one class only';
    case 'prAuc':
    case 'recall':
      return 'the rows held no positive';
    case 'precision':
      return `a model predicted no positive at threshold ${threshold}`;
    default:
      return `the rows held no positive and a model predicted none at threshold ${threshold}`;
  }
};

// ---------- the resampling ----------

/** The state of xoshiro128**, seeded through splitmix32: the same stream on every machine. */
const generatorState = (seed: number): Int32Array => {
  let mix = seed | 0;
  const splitmix32 = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return z ^ (z >>> 16);
  };
  return Int32Array.from([splitmix32(), splitmix32(), splitmix32(), splitmix32()]);
};

const TWO_TO_32 = 4294967296;

/**
 * One resample: `counts[i]` becomes how often row i was drawn, in `counts.length` draws with
 * replacement. The generator runs inline on local copies of its state (a closure per draw is
 * several times slower at 10^8 draws), and a row is drawn exactly uniformly by Lemire's method:
 * the high word of draw · rows, redrawn in the rare case its low word falls short.
 */
const drawResample = (counts: Uint32Array, state: Int32Array): void => {
  const rows = counts.length;
  const shortfall = TWO_TO_32 % rows;
  let [s0 = 0, s1 = 0, s2 = 0, s3 = 0] = state;
  counts.fill(0);
  for (let draw = 0; draw < rows; draw += 1) {
    let row = 0;
    let low = 0;
    do {
      const mixed = Math.imul(s1, 5);
      const word = Math.imul((mixed << 7) | (mixed >>> 25), 9) >>> 0;
      const shifted = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= shifted;
      s3 = (s3 << 11) | (s3 >>> 21);
      // word · rows < 2^53: exact in a double, and so are its high and low words.
      const product = word * rows;
      row = Math.floor(product / TWO_TO_32);
      low = product - row * TWO_TO_32;
    } while (low < shortfall);
    counts[row] = (counts[row] ?? 0) + 1;
  }
  state.set([s0, s1, s2, s3]);
};

/** The p-quantile of sorted values, interpolating linearly between ranks (numpy's default). */
const quantile = (sorted: Float64Array, p: number): number => {
  const rank = (sorted.length - 1) * p;
  const below = Math.floor(rank);
  const low = sorted[below] ?? 0;
  const high = sorted[Math.min(below + 1, sorted.length - 1)] ?? low;
  return low + (rank - below) * (high - low);
};

const standardDeviation = (values: Float64Array): number => {
  if (values.length < 2) return 0;
  let mean = 0;
  for (const value of values) mean += value;
  mean /= values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return Math.sqrt(squares / (values.length - 1));
};

// A draw times the row count must stay exact in a double (< 2^53) for the draw to be uniform.
const MAX_ROWS = 2 ** 21;

const checkedLabels = (labels: ArrayLike<number>): Uint8Array => {
  if (labels.length === 0) throw invalid('labels is empty: a gain needs at least one row');
  if (labels.length > MAX_ROWS) {
    throw invalid(
      `labels has ${labels.length} rows: the paired bootstrap takes at most ${MAX_ROWS}`,
    );
  }
  return Uint8Array.from({ length: labels.length }, (_, i) => {
    const label: unknown = labels[i];
    if (label !== 0 && label !== 1) {
      throw invalid(`labels[${i}] is ${describe(label)}: a label must be 0 or 1`);
    }
    return label;
  });
};

const checkedScores = (name: string, scores: ArrayLike<number>, rows: number): Float64Array => {
  if (scores.length !== rows) {
    throw invalid(`labels has ${rows} entries but ${name} has ${scores.length}: they must pair up`);
  }
  return Float64Array.from({ length: rows }, (_, i) => {
    const score: unknown = scores[i];
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
      throw invalid(`${name}[${i}] is ${describe(score)}: a score must be a probability in [0, 1]`);
    }
    return score;
  });
};

const checkSetting = (ok: boolean, message: string): void => {
  if (!ok) throw invalid(message);
};

/**
 * The gain of `challenger` over `reference` on `metric`, with a percentile interval from paired
 * resamples of the rows. A resample where the metric is undefined for either model (AUC of one
 * class) is skipped; when more than half are, it throws `INVALID_ARGUMENT` saying why, as it
 * does for bad input or a metric undefined on all rows.
 */
export const pairedBootstrap = ({
  labels: rawLabels,
  challenger: rawChallenger,
  reference: rawReference,
  metric,
  threshold = DEFAULT_THRESHOLD,
  confidence = DEFAULT_BOOTSTRAP_CONFIDENCE,
  resamples = DEFAULT_BOOTSTRAP_RESAMPLES,
  seed = DEFAULT_BOOTSTRAP_SEED,
}: PairedBootstrapInput): GainInterval => {
  metricDirection(metric);
  checkSetting(
    Number.isFinite(threshold) && threshold >= 0 && threshold <= 1,
    `threshold is ${threshold}: it must be in [0, 1]`,
  );
  checkSetting(
    Number.isFinite(confidence) && confidence > 0 && confidence < 1,
    `confidence is ${confidence}: it must be between 0 and 1, both excluded`,
  );
  checkSetting(
    Number.isSafeInteger(resamples) && resamples >= 100 && resamples <= 100_000,
    `resamples is ${resamples}: it must be a whole number from 100 to 100000`,
  );
  checkSetting(
    Number.isSafeInteger(seed) && seed >= 0 && seed < TWO_TO_32,
    `seed is ${seed}: it must be a whole number from 0 to 4294967295`,
  );
  const labels = checkedLabels(rawLabels);
  const rows = labels.length;
  const ofChallenger = weightedMetric(
    metric,
    labels,
    checkedScores('challenger', rawChallenger, rows),
    threshold,
  );
  const ofReference = weightedMetric(
    metric,
    labels,
    checkedScores('reference', rawReference, rows),
    threshold,
  );

  const counts = new Uint32Array(rows).fill(1);
  const challengerValue = ofChallenger(counts);
  const referenceValue = ofReference(counts);
  if (challengerValue === null || referenceValue === null) {
    throw invalid(
      `${metric} is undefined on these ${rows} rows (${undefinedBecause(metric, threshold)}): there is no gain to bound`,
    );
  }
  const gain = improvement(metric, challengerValue, referenceValue);

  const state = generatorState(seed);
  const gains = new Float64Array(resamples);
  let kept = 0;
  for (let resample = 0; resample < resamples; resample += 1) {
    drawResample(counts, state);
    const ofChallengerHere = ofChallenger(counts);
    const ofReferenceHere = ofReference(counts);
    if (ofChallengerHere === null || ofReferenceHere === null) continue;
    gains[kept] = improvement(metric, ofChallengerHere, ofReferenceHere);
    kept += 1;
  }
  const skipped = resamples - kept;
  if (skipped * 2 > resamples) {
    throw invalid(
      `${metric} is undefined in ${skipped} of ${resamples} resamples of ${rows} rows ` +
        `(${undefinedBecause(metric, threshold)}): too few to bound the gain; evaluate on more rows`,
    );
  }
  const sorted = gains.subarray(0, kept).sort();
  const tail = (1 - confidence) / 2;
  return {
    metric,
    confidence,
    resamples,
    rows,
    gain,
    lower: quantile(sorted, tail),
    upper: quantile(sorted, 1 - tail),
    standardError: standardDeviation(sorted),
  };
};
