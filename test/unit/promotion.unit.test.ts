// Unit tests of the promotion rules: parsing user rules, and the decision with and without a
// champion, direction-aware, at its boundaries, with and without a significant gain.
import { describe, expect, it } from 'vitest';
import type { GainInterval } from '../../ml/metrics/pairedBootstrap.js';
import { decidePromotion } from '../../ml/promotion/decidePromotion.js';
import type { PromotionInput } from '../../ml/promotion/decidePromotion.js';
import { describeDecision } from '../../ml/promotion/describeDecision.js';
import {
  METRIC_DIRECTIONS,
  METRIC_NAMES,
  improvement,
  metricDirection,
} from '../../ml/promotion/metricDirections.js';
import type { Metrics } from '../../ml/promotion/metricDirections.js';
import { parsePromotionRules } from '../../ml/promotion/parsePromotionRules.js';
import { DEFAULT_PROMOTION_RULES } from '../../ml/promotion/promotionRules.js';
import type { PromotionRules } from '../../ml/promotion/promotionRules.js';
import { HindsightError } from '../../platform/errors.js';

const KNOWN = 'rocAuc, prAuc, accuracy, precision, recall, f1, logLoss, brier, ece';

/** The error a call throws; fails the test when it does not throw a HindsightError. */
const thrown = (call: () => unknown): HindsightError => {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(HindsightError);
    return error as HindsightError;
  }
  throw new Error('expected a HindsightError, nothing was thrown');
};

const rules = (overrides: Partial<PromotionRules> = {}): PromotionRules => ({
  ...parsePromotionRules(undefined),
  ...overrides,
});

const champion: Metrics = { rocAuc: 0.805, logLoss: 0.42, brier: 0.15 };
// A constant predictor at a 30% base rate: -(0.3 ln 0.3 + 0.7 ln 0.7) and 0.3 * 0.7.
const baseline: Metrics = { rocAuc: 0.5, logLoss: 0.6109, brier: 0.21 };

/** The challenger's rocAuc gain over the champion with a paired bootstrap interval above 0. */
const significant = (overrides: Partial<GainInterval> = {}): GainInterval => ({
  metric: 'rocAuc',
  confidence: 0.95,
  resamples: 1000,
  rows: 1000,
  gain: 0.0073,
  lower: 0.0021,
  upper: 0.0125,
  standardError: 0.0027,
  ...overrides,
});

const SIGNIFICANT_REASON =
  'rocAuc gain 0.0073 over the champion is significant at 95% (interval 0.0021 to 0.0125 over 1000 rows, 1000 paired resamples)';

const decide = (overrides: Partial<PromotionInput> = {}) =>
  decidePromotion({
    rules: rules(),
    challenger: { rocAuc: 0.8123, logLoss: 0.41, brier: 0.14 },
    champion,
    baseline,
    validationRows: 1000,
    interval: significant(),
    ...overrides,
  });

const check = (decision: ReturnType<typeof decidePromotion>, name: string) => {
  const found = decision.checks.find((c) => c.name === name);
  if (!found)
    throw new Error(`no check '${name}' in ${decision.checks.map((c) => c.name).join(', ')}`);
  return found;
};

describe('metric directions', () => {
  it('knows which way is better for each metric', () => {
    expect(METRIC_NAMES.join(', ')).toBe(KNOWN);
    for (const name of ['rocAuc', 'prAuc', 'accuracy', 'precision', 'recall', 'f1']) {
      expect(metricDirection(name)).toBe('higher');
    }
    for (const name of ['logLoss', 'brier', 'ece']) expect(metricDirection(name)).toBe('lower');
    expect(improvement('rocAuc', 0.8, 0.7)).toBeCloseTo(0.1, 12);
    expect(improvement('logLoss', 0.3, 0.4)).toBeCloseTo(0.1, 12);
    expect(Object.isFrozen(METRIC_DIRECTIONS)).toBe(true);
  });

  it.each(['auc', 'toString', 'constructor', ''])('refuses the unknown metric %j', (name) => {
    const error = thrown(() => metricDirection(name));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(`unknown metric '${name}'; known: ${KNOWN}`);
  });
});

describe('parsePromotionRules', () => {
  it('fills every omitted field with the defaults', () => {
    const expected = {
      primaryMetric: 'rocAuc',
      minAbsoluteGain: 0.005,
      minRelativeGain: 0,
      guards: [
        { metric: 'logLoss', maxLoss: 0.02 },
        { metric: 'brier', maxLoss: 0.01 },
      ],
      minValidationRows: 200,
      significance: { confidence: 0.95, resamples: 1000 },
    };
    expect(parsePromotionRules(undefined)).toEqual(expected);
    expect(parsePromotionRules({})).toEqual(expected);
    expect(DEFAULT_PROMOTION_RULES).toEqual(expected);
    expect(parsePromotionRules({ minAbsoluteGain: 0.01, minValidationRows: 50 })).toEqual({
      ...expected,
      minAbsoluteGain: 0.01,
      minValidationRows: 50,
    });
    // `undefined` is omitted, as after a spread of optional fields.
    expect(parsePromotionRules({ guards: undefined })).toEqual(expected);
  });

  it('returns a copy the caller may change without touching the defaults', () => {
    const parsed = parsePromotionRules({});
    (parsed.guards as { metric: string; maxLoss: number }[])[0]!.maxLoss = 9;
    (parsed.guards as unknown[]).push({ metric: 'ece', maxLoss: 1 });
    expect(DEFAULT_PROMOTION_RULES.guards).toEqual([
      { metric: 'logLoss', maxLoss: 0.02 },
      { metric: 'brier', maxLoss: 0.01 },
    ]);
    expect(Object.isFrozen(DEFAULT_PROMOTION_RULES)).toBe(true);
  });

  it('reads significance: null turns it off, an omitted field takes its default', () => {
    expect(parsePromotionRules({ significance: null }).significance).toBeNull();
    expect(parsePromotionRules({ significance: {} }).significance).toEqual({
      confidence: 0.95,
      resamples: 1000,
    });
    expect(parsePromotionRules({ significance: { confidence: 0.99 } }).significance).toEqual({
      confidence: 0.99,
      resamples: 1000,
    });
    expect(
      parsePromotionRules({ significance: { resamples: 5000, confidence: 0.9 } }).significance,
    ).toEqual({ confidence: 0.9, resamples: 5000 });
    const parsed = parsePromotionRules({});
    expect(parsed.significance).not.toBe(DEFAULT_PROMOTION_RULES.significance);
    expect(Object.isFrozen(DEFAULT_PROMOTION_RULES.significance)).toBe(true);
  });

  it('drops the default guard on the chosen primary metric; explicit guards stay as given', () => {
    expect(parsePromotionRules({ primaryMetric: 'logLoss' }).guards).toEqual([
      { metric: 'brier', maxLoss: 0.01 },
    ]);
    expect(parsePromotionRules({ guards: [] }).guards).toEqual([]);
    expect(
      parsePromotionRules({ primaryMetric: 'f1', guards: [{ maxLoss: 0, metric: 'ece' }] }),
    ).toEqual({
      ...DEFAULT_PROMOTION_RULES,
      primaryMetric: 'f1',
      guards: [{ metric: 'ece', maxLoss: 0 }],
    });
  });

  const P = 'invalid promotion rules: ';
  it.each<[string, unknown, string]>([
    ['null', null, `${P}must be an object, not null`],
    ['an array', [], `${P}must be an object, not an array`],
    [
      'a string',
      '{"primaryMetric":"rocAuc"}',
      `${P}must be an object, not the string "{\\"primaryMetric\\":\\"rocAuc\\"}"`,
    ],
    [
      'an unknown key',
      { primaryMetric: 'rocAuc', minGain: 0.1 },
      `${P}minGain: unknown key; known: primaryMetric, minAbsoluteGain, minRelativeGain, guards, minValidationRows, significance`,
    ],
    [
      'an unknown primary metric',
      { primaryMetric: 'auc' },
      `${P}primaryMetric: unknown metric 'auc'; known: ${KNOWN}`,
    ],
    [
      'a primary metric of the wrong case',
      { primaryMetric: 'ROCAUC' },
      `${P}primaryMetric: unknown metric 'ROCAUC'; known: ${KNOWN}`,
    ],
    [
      'a primary metric that is no string',
      { primaryMetric: 3 },
      `${P}primaryMetric: must be a metric name, not 3`,
    ],
    ['a null field', { primaryMetric: null }, `${P}primaryMetric: must be a metric name, not null`],
    [
      'a negative absolute gain',
      { minAbsoluteGain: -0.01 },
      `${P}minAbsoluteGain: must be a finite number ≥ 0, not -0.01`,
    ],
    [
      'a NaN absolute gain',
      { minAbsoluteGain: NaN },
      `${P}minAbsoluteGain: must be a finite number ≥ 0, not NaN`,
    ],
    [
      'a string absolute gain',
      { minAbsoluteGain: '0.01' },
      `${P}minAbsoluteGain: must be a finite number ≥ 0, not the string "0.01"`,
    ],
    [
      'an infinite relative gain',
      { minRelativeGain: Infinity },
      `${P}minRelativeGain: must be a finite number ≥ 0, not Infinity`,
    ],
    [
      'a boolean relative gain',
      { minRelativeGain: true },
      `${P}minRelativeGain: must be a finite number ≥ 0, not a boolean`,
    ],
    [
      'zero validation rows',
      { minValidationRows: 0 },
      `${P}minValidationRows: must be a whole number ≥ 1, not 0`,
    ],
    [
      'fractional validation rows',
      { minValidationRows: 1.5 },
      `${P}minValidationRows: must be a whole number ≥ 1, not 1.5`,
    ],
    [
      'guards that are no array',
      { guards: { metric: 'brier', maxLoss: 0.1 } },
      `${P}guards: must be an array, not a object`,
    ],
    [
      'a guard that is no object',
      { guards: ['brier'] },
      `${P}guards[0]: must be an object, not the string "brier"`,
    ],
    [
      'an unknown guard metric',
      {
        guards: [
          { metric: 'brier', maxLoss: 0.01 },
          { metric: 'auc', maxLoss: 0.01 },
        ],
      },
      `${P}guards[1].metric: unknown metric 'auc'; known: ${KNOWN}`,
    ],
    ['a guard without metric', { guards: [{ maxLoss: 0.01 }] }, `${P}guards[0].metric: required`],
    [
      'a significance that is no object',
      { significance: 0.95 },
      `${P}significance: must be an object or null, not 0.95`,
    ],
    [
      'an unknown significance key',
      { significance: { confidence: 0.9, alpha: 0.1 } },
      `${P}significance.alpha: unknown key; known: confidence, resamples`,
    ],
    [
      'a significance confidence of 1',
      { significance: { confidence: 1 } },
      `${P}significance.confidence: must be a number between 0 and 1, both excluded, not 1`,
    ],
    [
      'a significance confidence in percent',
      { significance: { confidence: 95, resamples: 1000 } },
      `${P}significance.confidence: must be a number between 0 and 1, both excluded, not 95`,
    ],
    [
      'a null significance confidence',
      { significance: { confidence: null } },
      `${P}significance.confidence: must be a number between 0 and 1, both excluded, not null`,
    ],
    [
      'too few resamples',
      { significance: { resamples: 99 } },
      `${P}significance.resamples: must be a whole number from 100 to 100000, not 99`,
    ],
    [
      'resamples as text',
      { significance: { resamples: '1000' } },
      `${P}significance.resamples: must be a whole number from 100 to 100000, not the string "1000"`,
    ],
    [
      'a guard without maxLoss',
      { guards: [{ metric: 'brier' }] },
      `${P}guards[0].maxLoss: required`,
    ],
    [
      'an unknown guard key',
      { guards: [{ metric: 'brier', maxLoss: 0.01, minGain: 1 }] },
      `${P}guards[0].minGain: unknown key; known: metric, maxLoss`,
    ],
    [
      'a negative maxLoss',
      { guards: [{ metric: 'brier', maxLoss: -1 }] },
      `${P}guards[0].maxLoss: must be a finite number ≥ 0, not -1`,
    ],
    [
      'a guard on the primary metric',
      { guards: [{ metric: 'rocAuc', maxLoss: 0.01 }] },
      `${P}guards[0].metric: 'rocAuc' is the primary metric`,
    ],
    [
      'a metric guarded twice',
      {
        guards: [
          { metric: 'brier', maxLoss: 0.01 },
          { metric: 'ece', maxLoss: 0.01 },
          { metric: 'brier', maxLoss: 0.02 },
        ],
      },
      `${P}guards[2].metric: 'brier' is already guarded by guards[0]`,
    ],
    [
      'several problems at once, each named',
      { primaryMetric: 'logloss', minValidationRows: -5, guards: [{ metric: 'brier' }], extra: 1 },
      `${P}extra: unknown key; known: primaryMetric, minAbsoluteGain, minRelativeGain, guards, minValidationRows, significance; ` +
        `primaryMetric: unknown metric 'logloss'; known: ${KNOWN}; guards[0].maxLoss: required; ` +
        `minValidationRows: must be a whole number ≥ 1, not -5`,
    ],
  ])('refuses %s', (_case, input, message) => {
    const error = thrown(() => parsePromotionRules(input));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(message);
  });
});

describe('decidePromotion against a champion', () => {
  it('promotes on a clear gain, with every reason in numbers', () => {
    const decision = decide();
    expect(decision.promote).toBe(true);
    expect(decision.comparedWith).toBe('champion');
    expect(decision.reasons).toEqual([
      'validation rows 1000 ≥ 200',
      'rocAuc 0.8123 vs champion 0.8050: gain 0.0073 ≥ 0.0050',
      'rocAuc relative gain 0.0091 (0.0073 / 0.8050) ≥ 0.0000',
      SIGNIFICANT_REASON,
      'guard logLoss 0.4100 vs champion 0.4200 (lower is better): no loss',
      'guard brier 0.1400 vs champion 0.1500 (lower is better): no loss',
    ]);
    expect(decision.interval).toEqual(significant());
    expect(check(decision, 'rocAuc absolute gain')).toMatchObject({
      passed: true,
      challenger: 0.8123,
      reference: 0.805,
    });
    expect(check(decision, 'rocAuc absolute gain').required).toBeCloseTo(0.81, 12);
    expect(check(decision, 'guard logLoss').required).toBeCloseTo(0.44, 12);
  });

  it('rejects a gain below the absolute minimum, naming only the failed check', () => {
    const decision = decide({ challenger: { rocAuc: 0.808, logLoss: 0.41, brier: 0.14 } });
    expect(decision.promote).toBe(false);
    expect(decision.reasons).toEqual(['rocAuc 0.8080 vs champion 0.8050: gain 0.0030 < 0.0050']);
    expect(check(decision, 'rocAuc relative gain').passed).toBe(true);
  });

  it('rejects a gain below the relative minimum even when the absolute one holds', () => {
    const decision = decide({ rules: rules({ minRelativeGain: 0.02 }) });
    expect(decision.promote).toBe(false);
    expect(check(decision, 'rocAuc absolute gain').passed).toBe(true);
    expect(decision.reasons).toEqual(['rocAuc relative gain 0.0091 (0.0073 / 0.8050) < 0.0200']);
    expect(check(decision, 'rocAuc relative gain').required).toBeCloseTo(0.805 * 1.02, 12);
  });

  it('rejects when a lower-is-better guard gets worse beyond its allowance', () => {
    const decision = decide({ challenger: { rocAuc: 0.83, logLoss: 0.45, brier: 0.14 } });
    expect(decision.promote).toBe(false);
    expect(decision.reasons).toEqual([
      'guard logLoss 0.4500 vs champion 0.4200 (lower is better): loss 0.0300 > 0.0200 allowed',
    ]);
    // A much lower logLoss is a gain, not a loss of 0.12.
    expect(decide({ challenger: { rocAuc: 0.83, logLoss: 0.3, brier: 0.14 } }).promote).toBe(true);
  });

  it('reads a lower-is-better primary metric the right way round', () => {
    const logLossRules = rules({
      primaryMetric: 'logLoss',
      guards: [{ metric: 'rocAuc', maxLoss: 0.01 }],
    });
    const better = decide({
      rules: logLossRules,
      challenger: { rocAuc: 0.8, logLoss: 0.4 },
      interval: significant({ metric: 'logLoss', gain: 0.02, lower: 0.008, upper: 0.031 }),
    });
    expect(better.promote).toBe(true);
    expect(better.reasons).toContain(
      'logLoss 0.4000 vs champion 0.4200 (lower is better): gain 0.0200 ≥ 0.0050',
    );
    expect(better.reasons).toContain(
      'guard rocAuc 0.8000 vs champion 0.8050: loss 0.0050 ≤ 0.0100 allowed',
    );
    const worse = decide({ rules: logLossRules, challenger: { rocAuc: 0.8, logLoss: 0.44 } });
    expect(worse.promote).toBe(false);
    expect(worse.reasons).toContain(
      'logLoss 0.4400 vs champion 0.4200 (lower is better): gain -0.0200, no improvement over the champion',
    );
  });

  it('keeps the champion on a tie, even with zero thresholds', () => {
    const decision = decide({
      rules: rules({ minAbsoluteGain: 0, minRelativeGain: 0 }),
      challenger: { ...champion },
    });
    expect(decision.promote).toBe(false);
    expect(decision.reasons).toEqual([
      'rocAuc 0.8050 vs champion 0.8050: gain 0.0000, no improvement over the champion',
    ]);
    // The relative check alone would pass a tie at 0; the absolute one is what refuses it.
    expect(check(decision, 'rocAuc relative gain').passed).toBe(true);
  });

  it('with a champion value of 0, passes the relative gain on any strict gain only', () => {
    const f1Rules = rules({
      primaryMetric: 'f1',
      minAbsoluteGain: 0,
      minRelativeGain: 0.5,
      guards: [],
      significance: null,
    });
    const zero = { f1: 0 };
    const gained = decide({ rules: f1Rules, champion: zero, challenger: { f1: 0.1 } });
    expect(gained.promote).toBe(true);
    expect(check(gained, 'f1 relative gain').detail).toBe(
      "f1 relative gain: the champion's value is 0, so any gain counts: gain 0.1000 > 0",
    );
    expect(check(gained, 'f1 relative gain').required).toBeNull();
    const tied = decide({ rules: f1Rules, champion: zero, challenger: { f1: 0 } });
    expect(tied.promote).toBe(false);
    expect(check(tied, 'f1 relative gain').passed).toBe(false);
  });

  // At a threshold exactly passes (≥ for gains, ≤ for losses), also when float subtraction
  // lands a hair below it: 0.815 - 0.81 is 0.004999999999999893.
  it.each<[string, number, number, boolean]>([
    ['exactly the absolute gain', 0.8, 0.805, true],
    ['exactly the absolute gain, float noise below', 0.81, 0.815, true],
    ['exactly the absolute gain, at 1', 0.995, 1, true],
    ['a hair below the absolute gain', 0.81, 0.8149, false],
    ['a hair above the absolute gain', 0.81, 0.8151, true],
  ])('absolute gain: %s', (_case, championAuc, challengerAuc, promote) => {
    const decision = decide({
      champion: { ...champion, rocAuc: championAuc },
      challenger: { ...champion, rocAuc: challengerAuc },
    });
    expect(check(decision, 'rocAuc absolute gain').passed).toBe(promote);
    expect(decision.promote).toBe(promote);
  });

  it.each<[string, number, boolean]>([
    ['exactly the relative gain', 0.808, true],
    ['below the relative gain', 0.8079, false],
  ])('relative gain: %s', (_case, challengerAuc, passed) => {
    const decision = decide({
      rules: rules({ minAbsoluteGain: 0, minRelativeGain: 0.01 }),
      champion: { ...champion, rocAuc: 0.8 },
      challenger: { ...champion, rocAuc: challengerAuc },
    });
    expect(check(decision, 'rocAuc relative gain').passed).toBe(passed);
  });

  it.each<[string, number, number, boolean]>([
    ['logLoss exactly at its allowance', 0.44, 0.15, true],
    ['logLoss a hair beyond', 0.4401, 0.15, false],
    ['brier exactly at its allowance', 0.42, 0.16, true],
    ['brier a hair beyond', 0.42, 0.1601, false],
  ])('guard: %s', (_case, logLoss, brier, promote) => {
    const decision = decide({ challenger: { rocAuc: 0.83, logLoss, brier } });
    expect(decision.promote).toBe(promote);
  });

  it('rejects when the champion has no value for the primary metric', () => {
    const decision = decide({ champion: { ...champion, rocAuc: null } });
    expect(decision.promote).toBe(false);
    expect(decision.reasons).toEqual([
      'rocAuc: the champion has no value (null); the models cannot be compared',
      'rocAuc relative gain: the champion has no value (null); not computed',
    ]);
  });
});

describe('decidePromotion for the first model', () => {
  const first = (challenger: Metrics, overrides: Partial<PromotionInput> = {}) =>
    decide({ champion: null, challenger, ...overrides });

  it('promotes a model that beats the base rate, without a relative gain check', () => {
    const decision = first(
      { rocAuc: 0.7, logLoss: 0.55, brier: 0.19 },
      { rules: rules({ minRelativeGain: 10 }) },
    );
    expect(decision.promote).toBe(true);
    expect(decision.comparedWith).toBe('baseline');
    expect(decision.checks.map((c) => c.name)).toEqual([
      'validation rows',
      'rocAuc absolute gain',
      'rocAuc significance',
      'guard logLoss',
      'guard brier',
    ]);
    expect(decision.reasons).toContain('rocAuc 0.7000 vs baseline 0.5000: gain 0.2000 ≥ 0.0050');
    expect(decision.reasons).toContain(
      'rocAuc gain 0.0073 over the baseline is significant at 95% (interval 0.0021 to 0.0125 over 1000 rows, 1000 paired resamples)',
    );
  });

  it('rejects a model no better than the base rate', () => {
    const decision = first({ rocAuc: 0.503, logLoss: 0.6, brier: 0.2 });
    expect(decision.promote).toBe(false);
    expect(decision.reasons).toEqual(['rocAuc 0.5030 vs baseline 0.5000: gain 0.0030 < 0.0050']);
    expect(first({ rocAuc: 0.45, logLoss: 0.6, brier: 0.2 }).reasons).toEqual([
      'rocAuc 0.4500 vs baseline 0.5000: gain -0.0500, no improvement over the baseline',
    ]);
  });

  it('rejects a model that ranks well but whose probabilities are worse than the base rate', () => {
    const decision = first({ rocAuc: 0.75, logLoss: 0.7, brier: 0.2 });
    expect(decision.promote).toBe(false);
    expect(decision.reasons).toEqual([
      'guard logLoss 0.7000 vs baseline 0.6109 (lower is better): loss 0.0891 > 0.0200 allowed',
    ]);
  });

  it('rejects when the baseline lacks the primary metric', () => {
    const decision = first(
      { rocAuc: 0.75, logLoss: 0.5, brier: 0.2 },
      { baseline: { logLoss: 0.6109, brier: 0.21 } },
    );
    expect(decision.promote).toBe(false);
    expect(decision.reasons).toEqual([
      'rocAuc: the baseline has no value (null); the models cannot be compared',
    ]);
  });
});

describe('decidePromotion with significance', () => {
  it('rejects a gain whose interval reaches 0: it may be noise', () => {
    const decision = decide({ interval: significant({ lower: -0.006, upper: 0.031 }) });
    expect(decision.promote).toBe(false);
    expect(decision.reasons).toEqual([
      'rocAuc gain 0.0073 over the champion is not significant at 95% (interval -0.0060 to 0.0310 over 1000 rows, 1000 paired resamples): the difference may be noise',
    ]);
    expect(check(decision, 'rocAuc significance')).toMatchObject({
      passed: false,
      challenger: -0.006,
      reference: null,
      required: 0,
    });
    // A lower end of exactly 0 (identical models) is no evidence either.
    expect(decide({ interval: significant({ lower: 0, gain: 0, upper: 0 }) }).promote).toBe(false);
  });

  it.each<[string, GainInterval | null]>([
    ['null', null],
    ['undefined (a caller that computed none)', undefined as unknown as null],
  ])('rejects without an interval (%s) when the rules require one', (_case, interval) => {
    const decision = decide({ interval });
    expect(decision.promote).toBe(false);
    expect(decision.interval).toBeNull();
    expect(decision.reasons).toEqual([
      'no significance interval was computed for the rocAuc gain over the champion, and the rules require one at 95% (significance: null promotes without)',
    ]);
  });

  it('promotes on the gains alone when the rules turn significance off', () => {
    const decision = decide({ rules: rules({ significance: null }), interval: null });
    expect(decision.promote).toBe(true);
    expect(decision.checks.map((c) => c.name)).not.toContain('rocAuc significance');
    // The interval is still carried, to be recorded, when one was given.
    const given = decide({ rules: rules({ significance: null }) });
    expect(given.interval).toEqual(significant());
  });

  it('refuses an interval of another metric or confidence than the rules ask', () => {
    expect(decide({ interval: significant({ metric: 'prAuc' }) }).reasons).toEqual([
      'the significance interval is of prAuc at 95%, not of rocAuc at 95% as the rules require',
    ]);
    expect(decide({ interval: significant({ confidence: 0.9 }) }).reasons).toEqual([
      'the significance interval is of rocAuc at 90%, not of rocAuc at 95% as the rules require',
    ]);
    const strict = rules({ significance: { confidence: 0.975, resamples: 2000 } });
    expect(decide({ rules: strict }).reasons).toEqual([
      'the significance interval is of rocAuc at 95%, not of rocAuc at 97.5% as the rules require',
    ]);
    expect(
      decide({ rules: strict, interval: significant({ confidence: 0.975 + 1e-12 }) }).reasons,
    ).toContain(
      'rocAuc gain 0.0073 over the champion is significant at 97.5% (interval 0.0021 to 0.0125 over 1000 rows, 1000 paired resamples)',
    );
  });

  it('keeps the minimum gain: a significant gain below it still rejects', () => {
    const decision = decide({
      challenger: { rocAuc: 0.808, logLoss: 0.41, brier: 0.14 },
      interval: significant({ gain: 0.003, lower: 0.001, upper: 0.005 }),
    });
    expect(decision.promote).toBe(false);
    expect(decision.reasons).toEqual(['rocAuc 0.8080 vs champion 0.8050: gain 0.0030 < 0.0050']);
    expect(check(decision, 'rocAuc significance').passed).toBe(true);
  });
});

describe('decidePromotion refusals', () => {
  it.each<[number, boolean]>([
    [199, false],
    [200, true],
    [0, false],
  ])('%i validation rows against a minimum of 200: promote %s', (validationRows, promote) => {
    const decision = decide({ validationRows });
    expect(decision.promote).toBe(promote);
    expect(check(decision, 'validation rows')).toMatchObject({
      passed: promote,
      challenger: validationRows,
      reference: null,
      required: 200,
    });
    if (!promote) {
      expect(decision.reasons).toEqual([
        `validation rows ${validationRows} < 200 required: too few to judge a model`,
      ]);
    }
  });

  it.each<[string, Metrics]>([
    ['null', { rocAuc: null, logLoss: 0.41, brier: 0.14 }],
    ['absent', { logLoss: 0.41, brier: 0.14 }],
    ['NaN', { rocAuc: NaN, logLoss: 0.41, brier: 0.14 }],
  ])(
    'rejects a challenger whose primary metric is %s (a single-class validation)',
    (_case, challenger) => {
      for (const championMetrics of [champion, null]) {
        const decision = decide({ challenger, champion: championMetrics });
        expect(decision.promote).toBe(false);
        expect(decision.reasons[0]).toBe(
          'rocAuc: the challenger has no value (null, e.g. validation rows of one class); the models cannot be compared',
        );
        expect(check(decision, 'rocAuc absolute gain')).toMatchObject({
          challenger: null,
          required: null,
        });
      }
    },
  );

  it('fails a guard that is null on either side instead of passing it', () => {
    const noChallengerBrier = decide({ challenger: { rocAuc: 0.83, logLoss: 0.41, brier: null } });
    expect(noChallengerBrier.promote).toBe(false);
    expect(noChallengerBrier.reasons).toEqual([
      'guard brier: the challenger has no value (null, e.g. validation rows of one class); a guard that cannot be measured fails',
    ]);
    const noChampionBrier = decide({ champion: { rocAuc: 0.805, logLoss: 0.42 } });
    expect(noChampionBrier.promote).toBe(false);
    expect(noChampionBrier.reasons).toEqual([
      'guard brier: the champion has no value (null); a guard that cannot be measured fails',
    ]);
  });

  it('runs every check and lists every failure', () => {
    const decision = decide({
      validationRows: 10,
      challenger: { rocAuc: 0.806, logLoss: 0.5, brier: null },
    });
    expect(decision.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([
      'validation rows',
      'rocAuc absolute gain',
      'guard logLoss',
      'guard brier',
    ]);
    expect(decision.reasons).toHaveLength(4);
  });

  it('refuses rules built in code with the same errors as parsed ones', () => {
    const error = thrown(() =>
      decide({ rules: rules({ guards: [{ metric: 'auc', maxLoss: 0.01 }] }) }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      `invalid promotion rules: guards[0].metric: unknown metric 'auc'; known: ${KNOWN}`,
    );
  });

  it.each([-1, 1.5, NaN])('refuses %s validation rows', (validationRows) => {
    const error = thrown(() => decide({ validationRows }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(`validationRows must be a whole number ≥ 0, not ${validationRows}`);
  });
});

describe('determinism', () => {
  it('gives the same JSON-safe decision for the same input, whatever the key order', () => {
    const input = {
      rules: rules(),
      challenger: { rocAuc: 0.8123, logLoss: 0.41, brier: 0.14 },
      champion,
      baseline,
      validationRows: 1000,
      interval: significant(),
    };
    const reordered = {
      interval: significant(),
      validationRows: 1000,
      baseline: { brier: 0.21, logLoss: 0.6109, rocAuc: 0.5 },
      champion: { brier: 0.15, rocAuc: 0.805, logLoss: 0.42 },
      challenger: { brier: 0.14, logLoss: 0.41, rocAuc: 0.8123 },
      rules: rules(),
    };
    const decision = decidePromotion(input);
    expect(decidePromotion(input)).toEqual(decision);
    expect(JSON.stringify(decidePromotion(reordered))).toBe(JSON.stringify(decision));
    expect(JSON.parse(JSON.stringify(decision))).toEqual(decision);
  });
});

describe('describeDecision', () => {
  it('sums up a promotion in one line', () => {
    expect(describeDecision(decide())).toBe(
      'promote vs champion (6/6 checks passed): validation rows 1000 ≥ 200; ' +
        'rocAuc 0.8123 vs champion 0.8050: gain 0.0073 ≥ 0.0050; ' +
        'rocAuc relative gain 0.0091 (0.0073 / 0.8050) ≥ 0.0000; ' +
        `${SIGNIFICANT_REASON}; ` +
        'guard logLoss 0.4100 vs champion 0.4200 (lower is better): no loss; ' +
        'guard brier 0.1400 vs champion 0.1500 (lower is better): no loss',
    );
  });

  it('sums up a rejection by its failed checks', () => {
    const line = describeDecision(
      decide({
        champion: null,
        validationRows: 50,
        challenger: { rocAuc: 0.503, logLoss: 0.6, brier: 0.2 },
      }),
    );
    expect(line).toBe(
      'reject vs baseline (2/5 checks failed): validation rows 50 < 200 required: too few to judge a model; ' +
        'rocAuc 0.5030 vs baseline 0.5000: gain 0.0030 < 0.0050',
    );
    expect(line).not.toContain('\n');
  });
});
