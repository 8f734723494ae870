// Unit tests of the windowed live evaluation: a hand-worked window, label timing at its
// boundaries, version order, undefined metrics, and a cross-check against an oracle that
// classifies and scores every row the slow, obvious way on seeded random data.
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../demo/random.js';
import type { Label } from '../../ml/featureView.js';
import { compareVersions, evaluateWindow, windowOf } from '../../ml/monitoring/liveWindows.js';
import type {
  LivePrediction,
  VersionWindowMetrics,
  WindowEvaluation,
} from '../../ml/monitoring/liveWindows.js';
import { expectInvalid, pairCountingAuc } from '../support/classifier.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

let nextId = 0;
const prediction = (
  overrides: Partial<LivePrediction> & Pick<LivePrediction, 'score' | 'predictedAt'>,
): LivePrediction => {
  nextId += 1;
  return {
    predictionId: `p${nextId}`,
    modelVersion: '7',
    entityId: `wo-${nextId}`,
    label: null,
    labelledAt: null,
    ...overrides,
  };
};

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
};

/** Every number anywhere in `value`, to check that none is NaN or infinite. */
const numbersIn = (value: unknown): number[] => {
  if (typeof value === 'number') return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(numbersIn);
  return [];
};

/** Non-integers to 10 decimals, so that sums taken in another order compare equal. */
const rounded = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'number' && !Number.isInteger(item) ? Number(item.toFixed(10)) : item,
    ),
  );

const only = (evaluation: WindowEvaluation, version: string): VersionWindowMetrics => {
  const found = evaluation.versions.find((metrics) => metrics.modelVersion === version);
  if (!found) throw new Error(`no version ${version} in the window`);
  return found;
};

describe('windowOf', () => {
  it('puts a time in the half-open window [start, start + windowMs)', () => {
    expect(windowOf(0, 10)).toEqual({ index: 0, start: 0, end: 10 });
    expect(windowOf(9, 10)).toEqual({ index: 0, start: 0, end: 10 });
    expect(windowOf(10, 10)).toEqual({ index: 1, start: 10, end: 20 });
    expect(windowOf(-1, 10)).toEqual({ index: -1, start: -10, end: 0 });
    expect(windowOf(-10, 10)).toEqual({ index: -1, start: -10, end: 0 });
    expect(windowOf(-11, 10)).toEqual({ index: -2, start: -20, end: -10 });
  });

  it('counts windows from the origin', () => {
    expect(windowOf(4, 10, 5)).toEqual({ index: -1, start: -5, end: 5 });
    expect(windowOf(5, 10, 5)).toEqual({ index: 0, start: 5, end: 15 });
    expect(windowOf(T0 + 90 * 60_000, HOUR)).toEqual({
      index: T0 / HOUR + 1,
      start: T0 + HOUR,
      end: T0 + 2 * HOUR,
    });
    expect(windowOf(T0 + 90 * 60_000, HOUR, T0 + 45 * 60_000)).toEqual({
      index: 0,
      start: T0 + 45 * 60_000,
      end: T0 + 105 * 60_000,
    });
  });

  it('holds every time in its window, whatever the time, width and origin', () => {
    const random = createRandom(17);
    for (let i = 0; i < 2000; i += 1) {
      const windowMs = random.int(1, 10 * HOUR);
      const origin = random.int(-1e12, 1e12);
      const time = random.int(0, 4e12);
      const { index, start, end } = windowOf(time, windowMs, origin);
      expect(start <= time && time < end).toBe(true);
      expect(end - start).toBe(windowMs);
      expect(start).toBe(origin + index * windowMs);
    }
  });

  it('refuses widths and times that are not whole milliseconds', () => {
    expectInvalid(
      () => windowOf(5, 0),
      'windowMs is 0: it must be a whole number of milliseconds ≥ 1',
    );
    expectInvalid(
      () => windowOf(5, 1.5),
      'windowMs is 1.5: it must be a whole number of milliseconds ≥ 1',
    );
    expectInvalid(
      () => windowOf(NaN, 10),
      'time is NaN: it must be a whole number of milliseconds',
    );
    expectInvalid(
      () => windowOf(5, 10, Infinity),
      'origin is Infinity: it must be a whole number of milliseconds',
    );
  });
});

describe('evaluateWindow on a hand-worked window', () => {
  // The window [1000, 2000), label horizon 500 ms.
  const rows = deepFreeze([
    // Labelled soon after.
    prediction({ score: 0.8, predictedAt: 1000, label: 1, labelledAt: 1100 }),
    // Labelled 1 ms before its deadline (1700).
    prediction({ score: 0.3, predictedAt: 1200, label: 0, labelledAt: 1699 }),
    // Labelled exactly at its deadline (1800): too late, it never counts.
    prediction({ score: 0.6, predictedAt: 1300, label: 0, labelledAt: 1800 }),
    // Labelled at 1900, before its deadline (2000).
    prediction({ score: 0.35, predictedAt: 1500, label: 1, labelledAt: 1900 }),
    // The window's last millisecond; no outcome; deadline 2499.
    prediction({ score: 0.4, predictedAt: 1999 }),
    // Outside the window on either side.
    prediction({ score: 0.9, predictedAt: 2000, label: 1, labelledAt: 2001 }),
    prediction({ score: 0.1, predictedAt: 999, label: 0, labelledAt: 1000 }),
  ]);
  const evaluate = (asOf: number) =>
    evaluateWindow({ rows, windowStart: 1000, windowMs: 1000, labelHorizonMs: 500, asOf });

  it('counts, scores and calibrates the labelled predictions', () => {
    // Labelled: scores 0.8 (1), 0.3 (0), 0.35 (1). Both positives beat the negative: AUC 1.
    // Bins: 0.8 alone in [0.8, 0.9); 0.3 and 0.35 in [0.3, 0.4), mean 0.325, one positive in two.
    // ECE = (1·|0.8 − 1| + 2·|0.325 − 0.5|) / 3 = 0.55 / 3.
    const evaluation = evaluate(2100);
    expect(evaluation).toMatchObject({
      windowStart: 1000,
      windowEnd: 2000,
      labelHorizonMs: 500,
      asOf: 2100,
      closesAt: 2500,
      closed: false,
    });
    expect(evaluation.versions).toHaveLength(1);
    const metrics = only(evaluation, '7');
    expect(metrics).toMatchObject({
      predictions: 5,
      labelled: 3,
      unlabelled: 1,
      expired: 1,
      labelCoverage: 3 / 5,
      positives: 2,
      positiveRate: 2 / 3,
      rocAuc: 1,
      prAuc: 1,
    });
    expect(metrics.meanScore).toBeCloseTo(1.45 / 3, 12);
    expect(metrics.logLoss).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7) + Math.log(0.35)) / 3, 12);
    expect(metrics.brier).toBeCloseTo((0.04 + 0.09 + 0.4225) / 3, 12);
    expect(metrics.ece).toBeCloseTo(0.55 / 3, 12);
    const bins = metrics.calibration ?? [];
    expect(bins).toHaveLength(10);
    expect(bins.map((bin) => bin.count)).toEqual([0, 0, 0, 2, 0, 0, 0, 0, 1, 0]);
    expect(bins[3]?.lower).toBe(0.3);
    expect(bins[3]?.meanPredicted).toBeCloseTo(0.325, 12);
    expect(bins[3]?.observedRate).toBe(0.5);
    expect(bins[8]).toMatchObject({ meanPredicted: 0.8, observedRate: 1 });
    expect(bins[0]).toMatchObject({ count: 0, meanPredicted: null, observedRate: null });
  });

  it('knows only what was recorded by asOf', () => {
    // At 1850 the outcome at 1900 has not come (unlabelled: its deadline is 2000), the one due
    // by 1800 has expired, and the prediction at 1999 has not been made.
    const metrics = only(evaluate(1850), '7');
    expect(metrics).toMatchObject({ predictions: 4, labelled: 2, unlabelled: 1, expired: 1 });
    expect(metrics.rocAuc).toBe(1);
    expect(metrics.positiveRate).toBe(0.5);
    // At 1799 the outcome recorded at 1800 is not known, and its deadline has not passed.
    expect(only(evaluate(1799), '7')).toMatchObject({
      predictions: 4,
      labelled: 2,
      unlabelled: 2,
      expired: 0,
    });
  });

  it('expires an outcome-less prediction at its deadline and closes after the last one', () => {
    expect(only(evaluate(2498), '7')).toMatchObject({ unlabelled: 1, expired: 1 });
    expect(only(evaluate(2499), '7')).toMatchObject({ unlabelled: 0, expired: 2 });
    expect(evaluate(2499).closed).toBe(false);
    expect(evaluate(2500).closed).toBe(true);
    // Once closed, the figures no longer change.
    expect(evaluate(10_000).versions).toEqual(evaluate(2500).versions);
  });

  it('gives a closed window with no label horizon', () => {
    const evaluation = evaluateWindow({
      rows,
      windowStart: 1000,
      windowMs: 1000,
      labelHorizonMs: 0,
      asOf: 2000,
    });
    expect(evaluation.closed).toBe(true);
    expect(only(evaluation, '7')).toMatchObject({ predictions: 5, labelled: 0, expired: 5 });
  });
});

describe('evaluateWindow with several versions', () => {
  it('orders integer versions numerically, then the others lexically', () => {
    const versions = ['10', 'b', '9', '2', 'a', '01', '1', 'B', '10a'];
    const rows = versions.map((modelVersion, index) =>
      prediction({ modelVersion, score: 0.5, predictedAt: index }),
    );
    const evaluation = evaluateWindow({
      rows,
      windowStart: 0,
      windowMs: 100,
      labelHorizonMs: 10,
      asOf: 50,
    });
    // Code-unit order: digits before capitals before small letters.
    const expected = ['01', '1', '2', '9', '10', '10a', 'B', 'a', 'b'];
    expect(evaluation.versions.map((metrics) => metrics.modelVersion)).toEqual(expected);
    expect([...versions].sort(compareVersions)).toEqual(expected);
    expect(['12345678901234567890', '9'].sort(compareVersions)).toEqual([
      '9',
      '12345678901234567890',
    ]);
  });

  it('gives null, never NaN, for metrics a version cannot have', () => {
    const rows = deepFreeze([
      // Version 9: two negatives only.
      prediction({ modelVersion: '9', score: 0.2, predictedAt: 0, label: 0, labelledAt: 5 }),
      prediction({ modelVersion: '9', score: 0.6, predictedAt: 1, label: 0, labelledAt: 5 }),
      // Version 10: predictions, no outcome yet.
      prediction({ modelVersion: '10', score: 0.7, predictedAt: 2 }),
      prediction({ modelVersion: '10', score: 0.4, predictedAt: 3, label: 1, labelledAt: 90 }),
      // Version 11: positives only.
      prediction({ modelVersion: '11', score: 0.9, predictedAt: 4, label: 1, labelledAt: 5 }),
    ]);
    const evaluation = evaluateWindow({
      rows,
      windowStart: 0,
      windowMs: 10,
      labelHorizonMs: 100,
      asOf: 50,
    });
    expect(evaluation.versions.map((metrics) => metrics.modelVersion)).toEqual(['9', '10', '11']);
    const oneClass = only(evaluation, '9');
    expect(oneClass).toMatchObject({ labelled: 2, positives: 0, positiveRate: 0 });
    expect(oneClass.rocAuc).toBeNull();
    expect(oneClass.prAuc).toBeNull();
    expect(oneClass.logLoss).toBeCloseTo(-(Math.log(0.8) + Math.log(0.4)) / 2, 12);
    expect(oneClass.brier).toBeCloseTo((0.04 + 0.36) / 2, 12);
    expect(oneClass.calibration).toHaveLength(10);
    expect(only(evaluation, '11')).toMatchObject({ rocAuc: null, prAuc: 1, positiveRate: 1 });
    expect(only(evaluation, '10')).toEqual({
      modelVersion: '10',
      predictions: 2,
      labelled: 0,
      unlabelled: 2,
      expired: 0,
      labelCoverage: 0,
      positives: 0,
      positiveRate: null,
      meanScore: null,
      rocAuc: null,
      prAuc: null,
      logLoss: null,
      brier: null,
      calibration: null,
      ece: null,
    });
    expect(numbersIn(evaluation).every(Number.isFinite)).toBe(true);
  });

  it('gives no versions for an empty window', () => {
    const rows = [prediction({ score: 0.5, predictedAt: 5, label: 1, labelledAt: 6 })];
    expect(
      evaluateWindow({ rows, windowStart: 10, windowMs: 10, labelHorizonMs: 5, asOf: 100 }),
    ).toEqual({
      windowStart: 10,
      windowEnd: 20,
      labelHorizonMs: 5,
      asOf: 100,
      closesAt: 25,
      closed: true,
      versions: [],
    });
    expect(
      evaluateWindow({ rows: [], windowStart: 10, windowMs: 10, labelHorizonMs: 5, asOf: 12 })
        .versions,
    ).toEqual([]);
  });
});

describe('evaluateWindow refuses malformed input', () => {
  const ok = { windowStart: 0, windowMs: 10, labelHorizonMs: 5, asOf: 20 };
  const row = (overrides: Partial<LivePrediction>): LivePrediction => ({
    predictionId: 'x',
    modelVersion: '1',
    entityId: 'e',
    score: 0.5,
    predictedAt: 1,
    label: 1,
    labelledAt: 2,
    ...overrides,
  });

  it.each<[string, LivePrediction, string]>([
    [
      'a score above 1',
      row({ score: 1.2 }),
      'rows[1].score is 1.2: a score must be a probability in [0, 1]',
    ],
    [
      'a NaN score',
      row({ score: NaN }),
      'rows[1].score is NaN: a score must be a probability in [0, 1]',
    ],
    [
      'a label of 2',
      row({ label: 2 as unknown as Label }),
      'rows[1].label is 2: a label must be 0, 1 or null',
    ],
    [
      'a label without its time',
      row({ labelledAt: null }),
      'rows[1].labelledAt is null but label is 1',
    ],
    ['a time without its label', row({ label: null }), 'rows[1].labelledAt is 2 but label is null'],
    [
      'an outcome before the prediction',
      row({ predictedAt: 5, labelledAt: 4 }),
      'rows[1].labelledAt 4 is before predictedAt 5',
    ],
    [
      'a fractional time',
      row({ predictedAt: 1.5 }),
      'rows[1].predictedAt is 1.5: it must be a whole number of milliseconds',
    ],
    [
      'an empty version',
      row({ modelVersion: '' }),
      'rows[1].modelVersion is "": it must be a non-empty string',
    ],
    [
      'a duplicate prediction',
      row({ predictionId: 'first' }),
      "rows[1].predictionId 'first' appears twice",
    ],
  ])('refuses %s, even outside the window', (_case, bad, message) => {
    const first = row({ predictionId: 'first' });
    expectInvalid(() => evaluateWindow({ ...ok, rows: [first, bad] }), message);
    expectInvalid(() => evaluateWindow({ ...ok, windowStart: 1000, rows: [first, bad] }), message);
  });

  it('refuses bad window settings', () => {
    expectInvalid(
      () => evaluateWindow({ ...ok, rows: [], windowMs: 0 }),
      'windowMs is 0: it must be a whole number of milliseconds ≥ 1',
    );
    expectInvalid(
      () => evaluateWindow({ ...ok, rows: [], labelHorizonMs: -1 }),
      'labelHorizonMs is -1: it must be a whole number of milliseconds ≥ 0',
    );
    expectInvalid(
      () => evaluateWindow({ ...ok, rows: [], asOf: 1.5 }),
      'asOf is 1.5: it must be a whole number of milliseconds',
    );
  });
});

// ---- The oracle: every row classified and every metric computed by its definition ----

type Expected = Omit<VersionWindowMetrics, 'calibration' | 'prAuc'> & {
  calibration:
    { count: number; meanPredicted: number | null; observedRate: number | null }[] | null;
};

const oracleVersion = (
  version: string,
  rows: readonly LivePrediction[],
  horizon: number,
  asOf: number,
): Expected => {
  const labelled: LivePrediction[] = [];
  let unlabelled = 0;
  let expired = 0;
  for (const row of rows) {
    const deadline = row.predictedAt + horizon;
    const known = row.label !== null && row.labelledAt !== null && row.labelledAt <= asOf;
    if (known && (row.labelledAt ?? Infinity) < deadline) labelled.push(row);
    else if (asOf >= deadline) expired += 1;
    else unlabelled += 1;
  }
  const n = labelled.length;
  const labels = labelled.map((row) => row.label ?? 0);
  const scores = labelled.map((row) => row.score);
  const positives = labels.filter((label) => label === 1).length;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const bins =
    n === 0
      ? null
      : Array.from({ length: 10 }, (_, bin) => {
          const inBin = labelled.filter(
            (row) => row.score >= bin / 10 && (row.score < (bin + 1) / 10 || bin === 9),
          );
          return {
            count: inBin.length,
            meanPredicted: inBin.length === 0 ? null : mean(inBin.map((row) => row.score)),
            observedRate: inBin.length === 0 ? null : mean(inBin.map((row) => row.label ?? 0)),
          };
        });
  return {
    modelVersion: version,
    predictions: rows.length,
    labelled: n,
    unlabelled,
    expired,
    labelCoverage: n / rows.length,
    positives,
    positiveRate: n === 0 ? null : positives / n,
    meanScore: n === 0 ? null : mean(scores),
    rocAuc: positives === 0 || positives === n ? null : pairCountingAuc(labels, scores),
    // Scores lie in [0.01, 0.99], so the log never needs clipping.
    logLoss:
      n === 0
        ? null
        : -mean(
            labels.map((y, i) => y * Math.log(scores[i]!) + (1 - y) * Math.log(1 - scores[i]!)),
          ),
    brier: n === 0 ? null : mean(labels.map((y, i) => (scores[i]! - y) ** 2)),
    calibration: bins,
    ece:
      bins === null
        ? null
        : bins.reduce(
            (sum, bin) =>
              sum + bin.count * Math.abs((bin.meanPredicted ?? 0) - (bin.observedRate ?? 0)),
            0,
          ) / n,
  };
};

describe('evaluateWindow against the oracle', () => {
  const VERSIONS = ['shadow-a', '10', '2', '1'];
  const ORDER = ['1', '2', '10', 'shadow-a'];
  const HORIZON = 2 * HOUR;

  const randomRows = (seed: number): LivePrediction[] => {
    const random = createRandom(seed);
    return Array.from({ length: 800 }, (_, index) => {
      // Five windows of predictions; the sixth stays empty.
      const predictedAt = T0 + random.int(0, 5 * HOUR - 1);
      // Two decimals, so that scores tie often.
      const score = Math.round((0.01 + random.next() * 0.98) * 100) / 100;
      const base = {
        predictionId: `p${index}`,
        modelVersion: random.pick(VERSIONS),
        entityId: `wo-${random.int(1, 50)}`,
        score,
        predictedAt,
      };
      if (random.chance(0.15)) return { ...base, label: null, labelledAt: null };
      const label: Label = random.chance(score) ? 1 : 0;
      // Delays up to 1.5 horizons, some exactly at the horizon or a millisecond short of it.
      const delay = random.pick([
        HORIZON,
        HORIZON - 1,
        random.int(0, HORIZON * 1.5),
        random.int(0, HORIZON * 1.5),
      ]);
      return { ...base, label, labelledAt: predictedAt + delay };
    });
  };

  it.each([1, 2, 3])('matches it in every window at every asOf (seed %i)', (seed) => {
    const rows = deepFreeze(randomRows(seed));
    let compared = 0;
    for (let windowIndex = 0; windowIndex < 6; windowIndex += 1) {
      const windowStart = T0 + windowIndex * HOUR;
      const asOfs = [
        windowStart + HOUR / 2,
        windowStart + HOUR,
        windowStart + 2 * HOUR - 1,
        windowStart + 3 * HOUR - 1,
        windowStart + 3 * HOUR,
        windowStart + 10 * HOUR,
      ];
      for (const asOf of asOfs) {
        const actual = evaluateWindow({
          rows,
          windowStart,
          windowMs: HOUR,
          labelHorizonMs: HORIZON,
          asOf,
        });
        const inWindow = rows.filter(
          (row) =>
            row.predictedAt >= windowStart &&
            row.predictedAt < windowStart + HOUR &&
            row.predictedAt <= asOf,
        );
        const expected = ORDER.filter((version) =>
          inWindow.some((row) => row.modelVersion === version),
        ).map((version) =>
          oracleVersion(
            version,
            inWindow.filter((row) => row.modelVersion === version),
            HORIZON,
            asOf,
          ),
        );
        expect(actual.closed).toBe(asOf >= windowStart + HOUR + HORIZON);
        expect(numbersIn(actual).every(Number.isFinite)).toBe(true);
        const comparable = actual.versions.map(({ prAuc: _prAuc, calibration, ...rest }) => ({
          ...rest,
          calibration:
            calibration?.map(({ count, meanPredicted, observedRate }) => ({
              count,
              meanPredicted,
              observedRate,
            })) ?? null,
        }));
        expect(rounded(comparable)).toEqual(rounded(expected));
        compared += expected.length;
      }
    }
    // The data must exercise every status, or the comparison proves little.
    const settled = rows.map(
      (row) =>
        evaluateWindow({
          rows: [row],
          windowStart: row.predictedAt,
          windowMs: 1,
          labelHorizonMs: HORIZON,
          asOf: row.predictedAt + 10 * HOUR,
        }).versions[0],
    );
    expect(settled.filter((metrics) => metrics?.labelled === 1).length).toBeGreaterThan(300);
    expect(settled.filter((metrics) => metrics?.expired === 1).length).toBeGreaterThan(150);
    expect(compared).toBeGreaterThan(100);
  });
});
