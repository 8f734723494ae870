// Unit tests of the binary-classifier metrics: hand-worked examples, ties, undefined cases,
// and cross-checks against the slow, obvious definitions on seeded random data.
import { pairCountingAuc } from '../support/classifier.js';
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../support/thrown.js';
import { createRandom } from '../../demo/random.js';
import type { Label } from '../../ml/featureView.js';
import {
  baseRateMetrics,
  brierScore,
  calibrationTable,
  evaluateClassifier,
  logLoss,
  prAuc,
  prCurve,
  rocAuc,
  rocCurve,
  thresholdMetrics,
} from '../../ml/metrics/index.js';
import { HindsightError } from '../../platform/errors.js';

const invalidArgument = (fn: () => unknown): string => {
  const error = thrownBy(HindsightError, fn);
  expect(error.code).toBe('INVALID_ARGUMENT');
  return error.message;
};

// Scores rounded to two decimals, so that ties are common.
const randomData = (seed: number, rows: number): { labels: Label[]; scores: number[] } => {
  const random = createRandom(seed);
  const labels: Label[] = [];
  const scores: number[] = [];
  for (let i = 0; i < rows; i += 1) {
    const label: Label = random.chance(0.3) ? 1 : 0;
    labels.push(label);
    const noisy = random.next() * 0.7 + label * 0.3;
    scores.push(Math.round(noisy * 100) / 100);
  }
  return { labels, scores };
};

describe('rocAuc and prAuc on a hand-worked example', () => {
  // labels [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8].
  // ROC: pairs (pos, neg): (0.35, 0.1) won, (0.35, 0.4) lost, (0.8, 0.1) won, (0.8, 0.4) won → 3/4.
  // PR, scores descending: 0.8 (+) → R 1/2, P 1; 0.4 (−) → R 1/2, P 1/2;
  // 0.35 (+) → R 1, P 2/3; 0.1 (−) → R 1, P 1/2.
  // AP = (1/2 − 0)·1 + 0·(1/2) + (1 − 1/2)·(2/3) + 0·(1/2) = 1/2 + 1/3 = 5/6.
  const labels: Label[] = [0, 0, 1, 1];
  const scores = [0.1, 0.4, 0.35, 0.8];

  it('gives ROC AUC 0.75 and average precision 5/6', () => {
    expect(rocAuc(labels, scores)).toBe(0.75);
    expect(prAuc(labels, scores)).toBeCloseTo(5 / 6, 12);
  });

  it('gives the ROC curve point by point, from (0, 0) to (1, 1)', () => {
    expect(rocCurve(labels, scores)).toEqual([
      { fpr: 0, tpr: 0, threshold: null },
      { fpr: 0, tpr: 0.5, threshold: 0.8 },
      { fpr: 0.5, tpr: 0.5, threshold: 0.4 },
      { fpr: 0.5, tpr: 1, threshold: 0.35 },
      { fpr: 1, tpr: 1, threshold: 0.1 },
    ]);
  });

  it('gives the PR curve point by point, starting at recall 0, precision 1', () => {
    expect(prCurve(labels, scores)).toEqual([
      { recall: 0, precision: 1, threshold: null },
      { recall: 0.5, precision: 1, threshold: 0.8 },
      { recall: 0.5, precision: 0.5, threshold: 0.4 },
      { recall: 1, precision: 2 / 3, threshold: 0.35 },
      { recall: 1, precision: 0.5, threshold: 0.1 },
    ]);
  });
});

describe('ties', () => {
  // labels [1, 0, 0, 1], scores [0.5, 0.5, 0.2, 0.9].
  // ROC: (0.5 vs 0.5) ½, (0.5 vs 0.2) 1, (0.9 vs 0.5) 1, (0.9 vs 0.2) 1 → 3.5/4 = 0.875.
  // PR with the tie grouped: 0.9 → R ½, P 1; 0.5 (one + and one −) → R 1, P 2/3; 0.2 → R 1, P ½.
  // AP = ½·1 + ½·⅔ = 5/6. Taken row by row with the positive first, it would be 1.
  const labels: Label[] = [1, 0, 0, 1];
  const scores = [0.5, 0.5, 0.2, 0.9];

  it('counts a tied pair as half in ROC AUC', () => {
    expect(rocAuc(labels, scores)).toBe(0.875);
  });

  it('groups tied scores into one threshold in average precision and the curves', () => {
    expect(prAuc(labels, scores)).toBeCloseTo(5 / 6, 12);
    expect(prCurve(labels, scores)).toHaveLength(4);
    expect(rocCurve(labels, scores)?.map(({ threshold }) => threshold)).toEqual([
      null,
      0.9,
      0.5,
      0.2,
    ]);
  });

  it('gives 0.5 and the positive rate when every score is the same', () => {
    const tied: Label[] = [1, 0, 0, 0];
    expect(rocAuc(tied, [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(prAuc(tied, [0.3, 0.3, 0.3, 0.3])).toBe(0.25);
  });
});

describe('single class and extremes', () => {
  it('gives null ROC AUC and curve when only one class is present', () => {
    expect(rocAuc([1, 1, 1], [0.2, 0.5, 0.9])).toBeNull();
    expect(rocAuc([0, 0], [0.2, 0.5])).toBeNull();
    expect(rocCurve([0, 0], [0.2, 0.5])).toBeNull();
  });

  it('gives null average precision without positives, but a value without negatives', () => {
    expect(prAuc([0, 0], [0.2, 0.5])).toBeNull();
    expect(prCurve([0, 0], [0.2, 0.5])).toBeNull();
    expect(prAuc([1, 1], [0.2, 0.5])).toBe(1);
  });

  it('gives 1 for a perfect ranking and 0 for a reversed one', () => {
    const labels: Label[] = [0, 0, 1, 1, 0, 1];
    const perfect = [0.1, 0.2, 0.7, 0.9, 0.3, 0.8];
    expect(rocAuc(labels, perfect)).toBe(1);
    expect(prAuc(labels, perfect)).toBe(1);
    expect(
      rocAuc(
        labels,
        perfect.map((score) => 1 - score),
      ),
    ).toBe(0);
  });
});

describe('rocAuc against the definition on random data', () => {
  it.each([1, 2, 3, 42])('equals pair counting (seed %i)', (seed) => {
    const { labels, scores } = randomData(seed, 300);
    expect(rocAuc(labels, scores)).toBeCloseTo(pairCountingAuc(labels, scores), 12);
  });

  it('is unchanged by increasing transforms of the scores, and flips under 1 − score', () => {
    const { labels, scores } = randomData(7, 300);
    const auc = rocAuc(labels, scores) ?? Number.NaN;
    expect(auc).toBeGreaterThan(0.6); // the data carries signal, so the checks below can fail
    expect(
      rocAuc(
        labels,
        scores.map((score) => score ** 3),
      ),
    ).toBe(auc);
    expect(
      rocAuc(
        labels,
        scores.map((score) => Math.sqrt(score) / 2),
      ),
    ).toBe(auc);
    expect(
      rocAuc(
        labels,
        scores.map((score) => 1 - score),
      ),
    ).toBeCloseTo(1 - auc, 12);
  });

  it('equals the trapezoid area under its own ROC curve, ties included', () => {
    const { labels, scores } = randomData(11, 300);
    const points = rocCurve(labels, scores) ?? [];
    let area = 0;
    for (let i = 1; i < points.length; i += 1) {
      const [a, b] = [points[i - 1], points[i]];
      if (a && b) area += ((b.fpr - a.fpr) * (a.tpr + b.tpr)) / 2;
    }
    expect(points[0]).toEqual({ fpr: 0, tpr: 0, threshold: null });
    expect(points.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    expect(points).toHaveLength(new Set(scores).size + 1);
    expect(area).toBeCloseTo(rocAuc(labels, scores) ?? Number.NaN, 12);
  });
});

describe('logLoss and brierScore', () => {
  it('gives known values', () => {
    // −(ln 0.8 + ln 0.7) / 2 = (0.223143551 + 0.356674944) / 2
    expect(logLoss([1, 0], [0.8, 0.3])).toBeCloseTo(0.289909248, 9);
    expect(logLoss([1, 0, 1], [0.5, 0.5, 0.5])).toBeCloseTo(0.693147181, 9);
    // (0.1² + 0.1² + 0.6²) / 3 = 0.38 / 3
    expect(brierScore([0, 1, 1], [0.1, 0.9, 0.4])).toBeCloseTo(0.38 / 3, 12);
    expect(brierScore([0, 1], [1, 0])).toBe(1);
    expect(brierScore([0, 1], [0, 1])).toBe(0);
  });

  it('clips scores of 0 and 1 to a finite loss, the same for either class', () => {
    // −ln(1e-15) = 15 · ln 10, whichever class was missed.
    expect(logLoss([1], [0])).toBeCloseTo(34.538776395, 9);
    expect(logLoss([0], [1])).toBeCloseTo(34.538776395, 9);
    expect(logLoss([1, 0], [1, 0])).toBeLessThan(1e-14);
    expect(logLoss([1], [0], 0.01)).toBeCloseTo(4.605170186, 9);
  });

  it('refuses an eps outside (0, 0.5)', () => {
    expect(invalidArgument(() => logLoss([1], [0.5], 0))).toMatch(/eps is 0/);
    expect(invalidArgument(() => logLoss([1], [0.5], 0.5))).toMatch(/eps is 0.5/);
  });
});

describe('thresholdMetrics', () => {
  it('counts the confusion matrix, with a score equal to the threshold predicted 1', () => {
    // Predicted 1: 0.9 (+), 0.6 (−), 0.5 (+); predicted 0: 0.4 (+), 0.1 (−).
    expect(thresholdMetrics([1, 1, 0, 0, 1], [0.9, 0.4, 0.6, 0.1, 0.5])).toEqual({
      threshold: 0.5,
      truePositives: 2,
      falsePositives: 1,
      trueNegatives: 1,
      falseNegatives: 1,
      accuracy: 0.6,
      precision: 2 / 3,
      recall: 2 / 3,
      f1: 2 / 3,
      specificity: 0.5,
    });
  });

  it('moves with the threshold', () => {
    const metrics = thresholdMetrics([1, 1, 0, 0, 1], [0.9, 0.4, 0.6, 0.1, 0.5], 0.8);
    expect(metrics).toMatchObject({ truePositives: 1, falsePositives: 0, precision: 1 });
    expect(metrics.recall).toBeCloseTo(1 / 3, 12);
  });

  it('gives null precision when nothing is predicted positive, with recall and f1 0', () => {
    const metrics = thresholdMetrics([1, 0], [0.2, 0.1]);
    expect(metrics).toMatchObject({ precision: null, recall: 0, f1: 0, specificity: 1 });
  });

  it('gives null recall and f1 without positives, and null specificity without negatives', () => {
    expect(thresholdMetrics([0, 0], [0.2, 0.1])).toMatchObject({
      precision: null,
      recall: null,
      f1: null,
      specificity: 1,
      accuracy: 1,
    });
    expect(thresholdMetrics([1, 1], [0.7, 0.1])).toMatchObject({
      precision: 1,
      recall: 0.5,
      specificity: null,
    });
  });

  it('refuses a threshold outside [0, 1]', () => {
    expect(invalidArgument(() => thresholdMetrics([1], [0.5], 1.5))).toMatch(/threshold is 1.5/);
    expect(invalidArgument(() => thresholdMetrics([1], [0.5], Number.NaN))).toMatch(/NaN/);
  });
});

describe('calibrationTable', () => {
  // Bins [0, .25), [.25, .5), [.5, .75), [.75, 1].
  // Bin 0: 0.1 (−), 0.2 (+) → mean 0.15, observed 0.5, gap 0.35.
  // Bin 1: 0.25 (−), on the lower bound → mean 0.25, observed 0, gap 0.25.
  // Bin 2: empty. Bin 3: 0.8 (+), 1.0 (+) → mean 0.9, observed 1, gap 0.1.
  // ECE = (2·0.35 + 1·0.25 + 2·0.1) / 5 = 1.15 / 5 = 0.23.
  const table = calibrationTable([0, 1, 0, 1, 1], [0.1, 0.2, 0.25, 0.8, 1], 4);

  it('bins by equal widths, with empty bins null and 1.0 in the last bin', () => {
    expect(table.bins).toHaveLength(4);
    expect(table.bins[0]).toMatchObject({ lower: 0, upper: 0.25, count: 2, observedRate: 0.5 });
    expect(table.bins[0]?.meanPredicted).toBeCloseTo(0.15, 12);
    expect(table.bins[1]).toEqual({
      lower: 0.25,
      upper: 0.5,
      count: 1,
      meanPredicted: 0.25,
      observedRate: 0,
    });
    expect(table.bins[2]).toEqual({
      lower: 0.5,
      upper: 0.75,
      count: 0,
      meanPredicted: null,
      observedRate: null,
    });
    expect(table.bins[3]).toMatchObject({ lower: 0.75, upper: 1, count: 2, observedRate: 1 });
    expect(table.bins[3]?.meanPredicted).toBeCloseTo(0.9, 12);
  });

  it('gives the count-weighted expected calibration error', () => {
    expect(table.expectedCalibrationError).toBeCloseTo(0.23, 12);
    expect(calibrationTable([0, 1], [0, 1]).expectedCalibrationError).toBe(0);
  });

  it('puts every bound k/bins in bin k, even where k/bins · bins rounds below k', () => {
    expect(Math.floor(0.29 * 100)).toBe(28); // the float trap this guards against
    for (let bins = 1; bins <= 120; bins += 1) {
      for (let k = 0; k <= bins; k += 1) {
        const { bins: rows } = calibrationTable([1], [k / bins], bins);
        const expected = Math.min(k, bins - 1);
        expect(
          rows.findIndex(({ count }) => count === 1),
          `${k}/${bins}`,
        ).toBe(expected);
      }
    }
  });

  it('keeps every random score inside its bin bounds', () => {
    const { labels, scores } = randomData(5, 500);
    const { bins } = calibrationTable(labels, scores, 7);
    expect(bins.reduce((sum, { count }) => sum + count, 0)).toBe(500);
    bins.forEach(({ lower, upper, count }, index) => {
      const inside = scores.filter((s) => s >= lower && (s < upper || index === bins.length - 1));
      expect(inside).toHaveLength(count);
    });
  });

  it('refuses a bin count that is not a positive integer', () => {
    expect(invalidArgument(() => calibrationTable([1], [0.5], 0))).toMatch(/bins is 0/);
    expect(invalidArgument(() => calibrationTable([1], [0.5], 2.5))).toMatch(/bins is 2.5/);
  });
});

describe('baseRateMetrics', () => {
  it('scores the constant training base rate on the validation labels', () => {
    // Base rate 1/4. Log loss on [0, 1]: −(ln 0.75 + ln 0.25) / 2 = (0.2876820725 + 1.3862943611) / 2.
    // Brier: (0.25² + 0.75²) / 2 = 0.3125.
    const metrics = baseRateMetrics([1, 0, 0, 0], [0, 1]);
    expect(metrics.baseRate).toBe(0.25);
    expect(metrics.logLoss).toBeCloseTo(0.8369882168, 9);
    expect(metrics.brier).toBe(0.3125);
    expect(metrics.rocAuc).toBe(0.5);
    expect(metrics.prAuc).toBe(0.5);
  });

  it('stays finite when the training labels hold one class', () => {
    const metrics = baseRateMetrics([0, 0], [1, 0]);
    expect(metrics.baseRate).toBe(0);
    expect(metrics.logLoss).toBeCloseTo(34.538776395 / 2, 9);
    expect(invalidArgument(() => baseRateMetrics([], [1]))).toMatch(/trainLabels is empty/);
  });
});

describe('evaluateClassifier', () => {
  it('gathers every metric, consistent with the single functions', () => {
    const { labels, scores } = randomData(3, 200);
    const metrics = evaluateClassifier(labels, scores, { threshold: 0.4, bins: 5 });
    const atThreshold = thresholdMetrics(labels, scores, 0.4);
    const table = calibrationTable(labels, scores, 5);
    expect(metrics).toEqual({
      rows: 200,
      positives: labels.filter((label) => label === 1).length,
      rocAuc: rocAuc(labels, scores),
      prAuc: prAuc(labels, scores),
      logLoss: logLoss(labels, scores),
      brier: brierScore(labels, scores),
      ...atThreshold,
      calibration: table.bins,
      ece: table.expectedCalibrationError,
    });
    expect(metrics.threshold).toBe(0.4);
  });

  it('is JSON-safe, with null (not NaN) where a metric is undefined', () => {
    const metrics = evaluateClassifier([0, 0, 0], [0.1, 0.9, 0.95]);
    expect(JSON.parse(JSON.stringify(metrics))).toEqual(metrics);
    expect(metrics).toMatchObject({ rocAuc: null, prAuc: null, recall: null, threshold: 0.5 });
    expect(metrics.calibration).toHaveLength(10);
    for (const value of Object.values(metrics)) {
      if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
    }
  });
});

describe('bad input', () => {
  it('refuses lists of different lengths, saying both lengths', () => {
    expect(invalidArgument(() => rocAuc([0, 1], [0.5]))).toMatch(/labels has 2 .* scores has 1/);
  });

  it('refuses empty input', () => {
    expect(invalidArgument(() => brierScore([], []))).toMatch(/labels is empty/);
  });

  it('names the index and value of a score outside [0, 1] or not finite', () => {
    expect(invalidArgument(() => rocAuc([0, 1, 1], [0.2, 0.3, 1.5]))).toMatch(
      /^scores\[2\] is 1\.5: /,
    );
    expect(invalidArgument(() => logLoss([0, 1], [-0.1, 0.3]))).toMatch(/^scores\[0\] is -0\.1/);
    expect(invalidArgument(() => prAuc([0, 1], [0.2, Number.NaN]))).toMatch(/^scores\[1\] is NaN/);
    expect(invalidArgument(() => rocCurve([0], [Infinity]))).toMatch(/^scores\[0\] is Infinity/);
    const fromJson = JSON.parse('[0.1, "0.2"]') as number[];
    expect(invalidArgument(() => brierScore([0, 1], fromJson))).toMatch(/^scores\[1\] is "0\.2"/);
  });

  it('names the index and value of a label that is not 0 or 1', () => {
    const labels = JSON.parse('[0, 2, 1]') as Label[];
    expect(invalidArgument(() => evaluateClassifier(labels, [0.1, 0.2, 0.3]))).toMatch(
      /^labels\[1\] is 2: a label must be 0 or 1/,
    );
    const withNull = JSON.parse('[1, null]') as Label[];
    expect(invalidArgument(() => thresholdMetrics(withNull, [0.1, 0.2]))).toMatch(
      /^labels\[1\] is null/,
    );
  });
});
