// Unit tests of the paired bootstrap: its weighted metrics are the metric functions of
// ml/metrics (weights 1 give the same numbers; integer weights the same as repeated rows), and
// its interval behaves: zero for identical models, clear of 0 for a clear gain, around 0 for
// noise, deterministic for a seed, and covering the true gain about as often as it claims.
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../demo/random.js';
import type { Label } from '../../ml/featureView.js';
import {
  brierScore,
  calibrationTable,
  logLoss,
  pairedBootstrap,
  prAuc,
  rocAuc,
  thresholdMetrics,
  type PairedBootstrapInput,
} from '../../ml/metrics/index.js';
import { weightedMetric } from '../../ml/metrics/pairedBootstrap.js';
import { METRIC_NAMES } from '../../ml/promotion/metricDirections.js';
import { expectInvalid } from '../support/classifier.js';

/** The existing function of each metric, as the promotion rules read it. */
const reference: Record<string, (labels: Label[], scores: number[]) => number | null> = {
  rocAuc,
  prAuc,
  logLoss: (labels, scores) => logLoss(labels, scores),
  brier: brierScore,
  accuracy: (labels, scores) => thresholdMetrics(labels, scores, 0.5).accuracy,
  precision: (labels, scores) => thresholdMetrics(labels, scores, 0.5).precision,
  recall: (labels, scores) => thresholdMetrics(labels, scores, 0.5).recall,
  f1: (labels, scores) => thresholdMetrics(labels, scores, 0.5).f1,
  ece: (labels, scores) => calibrationTable(labels, scores).expectedCalibrationError,
};

/**
 * Rows of a 30% base rate scored by a model of some `skill`: the higher, the more a positive's
 * score leans up. Scores rounded to `decimals`, so that ties are common at 2.
 */
const simulate = (seed: number, rows: number, skills: number[], decimals = 2) => {
  const random = createRandom(seed);
  const labels: Label[] = [];
  const scores: number[][] = skills.map(() => []);
  for (let i = 0; i < rows; i += 1) {
    const label: Label = random.chance(0.3) ? 1 : 0;
    labels.push(label);
    skills.forEach((skill, model) => {
      const noisy = random.next() * (1 - skill) + label * skill;
      scores[model]?.push(Math.round(noisy * 10 ** decimals) / 10 ** decimals);
    });
  }
  return { labels, scores };
};

const weighted = (metric: string, labels: Label[], scores: number[], weights: number[]) =>
  weightedMetric(metric, Uint8Array.from(labels), Float64Array.from(scores))(weights);

describe('the weighted metrics', () => {
  // Edge scores too: 0, 1, the threshold, and calibration bin bounds that round (0.29 · 10).
  const { labels, scores } = simulate(3, 400, [0.35]);
  const edges = [0, 1, 0.5, 0.29, 0.3, 0.7, 0.1];
  const edgeLabels: Label[] = [0, 1, 1, 0, 1, 0, 1];
  const allLabels = [...labels, ...edgeLabels];
  const allScores = [...(scores[0] ?? []), ...edges];

  it.each(METRIC_NAMES)('%s with every weight 1 equals the metric function', (metric) => {
    const ones = allLabels.map(() => 1);
    const fast = weighted(metric, allLabels, allScores, ones);
    const slow = reference[metric]?.(allLabels, allScores);
    expect(typeof fast).toBe('number');
    expect(Math.abs((fast ?? NaN) - (slow ?? NaN))).toBeLessThanOrEqual(1e-12);
  });

  it.each(METRIC_NAMES)('%s with whole weights equals the metric on repeated rows', (metric) => {
    const random = createRandom(17);
    const weights = allLabels.map(() => random.int(0, 3));
    const repeatedLabels = allLabels.flatMap((label, i) =>
      Array<Label>(weights[i] ?? 0).fill(label),
    );
    const repeatedScores = allScores.flatMap((score, i) =>
      Array<number>(weights[i] ?? 0).fill(score),
    );
    const fast = weighted(metric, allLabels, allScores, weights);
    const slow = reference[metric]?.(repeatedLabels, repeatedScores);
    expect(Math.abs((fast ?? NaN) - (slow ?? NaN))).toBeLessThanOrEqual(1e-12);
  });

  it('is null where the metric is undefined, as the metric functions are', () => {
    const labels: Label[] = [0, 1, 1, 0];
    const scores = [0.2, 0.7, 0.4, 0.6];
    // Only the two negatives drawn: one class, no positive.
    const negativesOnly = [1, 0, 0, 2];
    for (const metric of ['rocAuc', 'prAuc', 'recall']) {
      expect(weighted(metric, labels, scores, negativesOnly)).toBeNull();
    }
    expect(weighted('precision', labels, scores, [1, 0, 1, 0])).toBeNull();
    expect(weighted('f1', labels, scores, [1, 0, 0, 0])).toBeNull();
    expect(weighted('logLoss', labels, scores, negativesOnly)).toBeCloseTo(
      logLoss([0, 0, 0], [0.2, 0.6, 0.6]),
      12,
    );
  });
});

describe('pairedBootstrap', () => {
  const input = (
    overrides: Partial<PairedBootstrapInput> & {
      rows?: number;
      skills?: number[];
      decimals?: number;
    } = {},
  ): PairedBootstrapInput => {
    const { rows = 500, skills = [0.4, 0.3], decimals = 2, ...rest } = overrides;
    const { labels, scores } = simulate(5, rows, skills, decimals);
    return {
      labels,
      challenger: scores[0] ?? [],
      reference: scores[1] ?? [],
      metric: 'rocAuc',
      ...rest,
    };
  };

  it('gives the point gain of the metric functions on all rows, and its defaults', () => {
    const given = input();
    const interval = pairedBootstrap(given);
    const labels = Array.from(given.labels) as Label[];
    const gain =
      (rocAuc(labels, Array.from(given.challenger)) ?? NaN) -
      (rocAuc(labels, Array.from(given.reference)) ?? NaN);
    expect(interval).toMatchObject({
      metric: 'rocAuc',
      confidence: 0.95,
      resamples: 1000,
      rows: 500,
    });
    expect(interval.gain).toBeCloseTo(gain, 12);
    expect(interval.lower).toBeLessThan(interval.gain);
    expect(interval.upper).toBeGreaterThan(interval.gain);
    expect(interval.standardError).toBeGreaterThan(0);
  });

  it('turns the gain the right way round for a lower-is-better metric', () => {
    const given = input({ metric: 'logLoss' });
    const labels = Array.from(given.labels) as Label[];
    const interval = pairedBootstrap(given);
    expect(interval.gain).toBeCloseTo(
      logLoss(labels, Array.from(given.reference)) - logLoss(labels, Array.from(given.challenger)),
      12,
    );
    expect(interval.gain).toBeGreaterThan(0);
  });

  it.each(METRIC_NAMES)(
    'gives %s a gain of exactly 0 and the interval [0, 0] for identical models',
    (metric) => {
      const { labels, scores } = simulate(9, 300, [0.3]);
      const same = scores[0] ?? [];
      expect(
        pairedBootstrap({ labels, challenger: same, reference: [...same], metric, resamples: 200 }),
      ).toEqual({
        metric,
        confidence: 0.95,
        resamples: 200,
        rows: 300,
        gain: 0,
        lower: 0,
        upper: 0,
        standardError: 0,
      });
    },
  );

  it('finds a clearly better model better, on 2000 rows', () => {
    const interval = pairedBootstrap(input({ rows: 2000, skills: [0.45, 0.3] }));
    expect(interval.gain).toBeGreaterThan(0.05);
    expect(interval.lower).toBeGreaterThan(0);
  });

  it('cannot tell a slightly better model from noise on 100 rows', () => {
    const interval = pairedBootstrap(input({ rows: 100, skills: [0.32, 0.3] }));
    expect(interval.lower).toBeLessThan(0);
    expect(interval.upper).toBeGreaterThan(0);
  });

  it('narrows as the confidence falls', () => {
    const wide = pairedBootstrap(input({ confidence: 0.99 }));
    const narrow = pairedBootstrap(input({ confidence: 0.8 }));
    expect(narrow.lower).toBeGreaterThan(wide.lower);
    expect(narrow.upper).toBeLessThan(wide.upper);
  });

  it('gives the same interval for the same seed, another for another seed', () => {
    const first = pairedBootstrap(input({ seed: 7 }));
    expect(pairedBootstrap(input({ seed: 7 }))).toEqual(first);
    expect(pairedBootstrap(input({ seed: 8 })).lower).not.toBe(first.lower);
    expect(pairedBootstrap(input())).toEqual(pairedBootstrap(input({ seed: 1 })));
  });

  it('takes typed arrays as well as arrays', () => {
    const given = input({ metric: 'brier', resamples: 100 });
    expect(
      pairedBootstrap({
        ...given,
        labels: Uint8Array.from(given.labels),
        challenger: Float32Array.from(given.challenger),
        reference: Float64Array.from(given.reference),
      }).gain,
    ).toBeCloseTo(pairedBootstrap(given).gain, 6);
  });

  it('covers the true gain about as often as its confidence says', () => {
    // The true AUC gain of the two simulated models, from one very large sample; then 150
    // samples of 300 rows each, each with its 90% interval.
    const population = simulate(1000, 200_000, [0.4, 0.3], 6);
    const truth =
      (rocAuc(population.labels, population.scores[0] ?? []) ?? NaN) -
      (rocAuc(population.labels, population.scores[1] ?? []) ?? NaN);
    let covered = 0;
    const samples = 150;
    for (let sample = 0; sample < samples; sample += 1) {
      const { labels, scores } = simulate(2000 + sample, 300, [0.4, 0.3], 6);
      const { lower, upper } = pairedBootstrap({
        labels,
        challenger: scores[0] ?? [],
        reference: scores[1] ?? [],
        metric: 'rocAuc',
        confidence: 0.9,
        resamples: 400,
        seed: sample,
      });
      if (lower <= truth && truth <= upper) covered += 1;
    }
    // 90% of 150 is 135, with a binomial standard deviation of about 3.7.
    expect(covered / samples).toBeGreaterThan(0.8);
    expect(covered / samples).toBeLessThan(0.97);
  });

  it('runs 1000 resamples of 100,000 rows in seconds', () => {
    const given = input({ rows: 100_000, skills: [0.35, 0.3], decimals: 6 });
    const started = performance.now();
    const interval = pairedBootstrap(given);
    const elapsed = performance.now() - started;
    expect(interval.lower).toBeGreaterThan(0);
    // About 2 s on a shared 2-core machine; re-sorting per resample would take minutes.
    expect(elapsed).toBeLessThan(20_000);
  }, 30_000);
});

describe('pairedBootstrap refusals', () => {
  const labels: Label[] = [0, 1, 1, 0];
  const base = { labels, challenger: [0.1, 0.8, 0.6, 0.3], reference: [0.2, 0.7, 0.5, 0.4] };

  it.each<[string, Partial<PairedBootstrapInput>, string]>([
    [
      'an unknown metric',
      { metric: 'auc' },
      "unknown metric 'auc'; known: rocAuc, prAuc, accuracy, precision, recall, f1, logLoss, brier, ece",
    ],
    [
      'no rows',
      { labels: [], challenger: [], reference: [] },
      'labels is empty: a gain needs at least one row',
    ],
    ['a bad label', { labels: [0, 1, 2, 0] }, 'labels[2] is 2: a label must be 0 or 1'],
    [
      'rows that do not pair up',
      { reference: [0.2, 0.7, 0.5] },
      'labels has 4 entries but reference has 3: they must pair up',
    ],
    [
      'a score outside [0, 1]',
      { challenger: [0.1, 1.2, 0.6, 0.3] },
      'challenger[1] is 1.2: a score must be a probability in [0, 1]',
    ],
    [
      'a NaN score',
      { reference: [0.2, NaN, 0.5, 0.4] },
      'reference[1] is NaN: a score must be a probability in [0, 1]',
    ],
    [
      'a confidence of 1',
      { confidence: 1 },
      'confidence is 1: it must be between 0 and 1, both excluded',
    ],
    [
      'a confidence of 0',
      { confidence: 0 },
      'confidence is 0: it must be between 0 and 1, both excluded',
    ],
    [
      'too few resamples',
      { resamples: 99 },
      'resamples is 99: it must be a whole number from 100 to 100000',
    ],
    [
      'fractional resamples',
      { resamples: 150.5 },
      'resamples is 150.5: it must be a whole number from 100 to 100000',
    ],
    ['a negative seed', { seed: -1 }, 'seed is -1: it must be a whole number from 0 to 4294967295'],
    [
      'a threshold above 1',
      { metric: 'accuracy', threshold: 1.5 },
      'threshold is 1.5: it must be in [0, 1]',
    ],
  ])('refuses %s', (_case, overrides, message) => {
    expectInvalid(() => pairedBootstrap({ ...base, metric: 'rocAuc', ...overrides }), message);
  });

  it('refuses a metric undefined on all rows', () => {
    expectInvalid(
      () => pairedBootstrap({ ...base, labels: [0, 0, 0, 0], metric: 'rocAuc' }),
      'rocAuc is undefined on these 4 rows (the rows held one class only): there is no gain to bound',
    );
  });

  it('refuses when the metric is undefined in more than half of the resamples', () => {
    // Each model predicts one positive, on different rows: precision is undefined for one of
    // them whenever a resample of 3 rows misses either row (5 times in 9).
    expectInvalid(
      () =>
        pairedBootstrap({
          labels: [1, 0, 1],
          challenger: [0.9, 0.1, 0.1],
          reference: [0.1, 0.9, 0.1],
          metric: 'precision',
        }),
      'precision is undefined in 562 of 1000 resamples of 3 rows (a model predicted no positive at threshold 0.5): too few to bound the gain; evaluate on more rows',
    );
  });
});
