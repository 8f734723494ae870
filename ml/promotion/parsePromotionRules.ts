// Checks promotion rules that come from a user (workflow input, gRPC payload): each problem is
// named by its path, unknown keys are refused, omitted fields take the defaults.
import { HindsightError } from '../../platform/errors.js';
import {
  describe,
  fieldOf,
  isRecord,
  readMetric,
  readNonNegative,
  readSettings,
  readWhole,
  unknownKeys,
  type Problems,
} from '../fieldReaders.js';
import type { MetricName } from './metricDirections.js';
import { DEFAULT_PROMOTION_RULES, DEFAULT_SIGNIFICANCE } from './promotionRules.js';
import type { PromotionGuard, PromotionRules, SignificanceRule } from './promotionRules.js';

const RULE_KEYS: readonly string[] = [
  'primaryMetric',
  'minAbsoluteGain',
  'minRelativeGain',
  'guards',
  'minValidationRows',
  'significance',
];
const GUARD_KEYS: readonly string[] = ['metric', 'maxLoss'];
const SIGNIFICANCE_KEYS: readonly string[] = ['confidence', 'resamples'];

// Negative thresholds would let a worse model through; a loss allowance is stated as a guard.
const readRowCount = (value: unknown, path: string, problems: Problems): number | undefined =>
  readWhole(value, path, 1, problems);

const readGuards = (
  value: unknown,
  primaryMetric: MetricName | undefined,
  problems: Problems,
): PromotionGuard[] => {
  if (!Array.isArray(value)) {
    problems.push(`guards: must be an array, not ${describe(value)}`);
    return [];
  }
  const guards: PromotionGuard[] = [];
  const firstIndex = new Map<string, number>();
  value.forEach((item: unknown, index) => {
    const path = `guards[${index}]`;
    if (!isRecord(item)) {
      problems.push(`${path}: must be an object, not ${describe(item)}`);
      return;
    }
    problems.push(...unknownKeys(item, GUARD_KEYS, `${path}.`));
    const rawMetric = fieldOf(item, 'metric');
    const rawMaxLoss = fieldOf(item, 'maxLoss');
    if (rawMetric === undefined) problems.push(`${path}.metric: required`);
    if (rawMaxLoss === undefined) problems.push(`${path}.maxLoss: required`);
    const metric =
      rawMetric === undefined ? undefined : readMetric(rawMetric, `${path}.metric`, problems);
    const maxLoss =
      rawMaxLoss === undefined
        ? undefined
        : readNonNegative(rawMaxLoss, `${path}.maxLoss`, problems);
    if (metric === undefined) return;
    // The primary metric must already improve, so a guard on it would never bite.
    if (metric === primaryMetric) {
      problems.push(`${path}.metric: '${metric}' is the primary metric`);
      return;
    }
    const earlier = firstIndex.get(metric);
    if (earlier !== undefined) {
      problems.push(`${path}.metric: '${metric}' is already guarded by guards[${earlier}]`);
      return;
    }
    firstIndex.set(metric, index);
    if (maxLoss !== undefined) guards.push({ metric, maxLoss });
  });
  return guards;
};

// The bounds of `pairedBootstrap`, which the evaluation runs with these settings.
const MIN_RESAMPLES = 100;
const MAX_RESAMPLES = 100_000;

/** `null` turns the check off; an omitted field takes its default. */
const readSignificance = (value: unknown, problems: Problems): SignificanceRule | null => {
  if (value === null) return null;
  if (!isRecord(value)) {
    problems.push(`significance: must be an object or null, not ${describe(value)}`);
    return { ...DEFAULT_SIGNIFICANCE };
  }
  problems.push(...unknownKeys(value, SIGNIFICANCE_KEYS, 'significance.'));
  const given = (key: keyof SignificanceRule): unknown => {
    const field = fieldOf(value, key);
    return field === undefined ? DEFAULT_SIGNIFICANCE[key] : field;
  };
  const confidence = given('confidence');
  const resamples = given('resamples');
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) {
    problems.push(
      `significance.confidence: must be a number between 0 and 1, both excluded, not ${describe(confidence)}`,
    );
  }
  if (
    typeof resamples !== 'number' ||
    !Number.isSafeInteger(resamples) ||
    resamples < MIN_RESAMPLES ||
    resamples > MAX_RESAMPLES
  ) {
    problems.push(
      `significance.resamples: must be a whole number from ${MIN_RESAMPLES} to ${MAX_RESAMPLES}, not ${describe(resamples)}`,
    );
  }
  return { confidence: Number(confidence), resamples: Number(resamples) };
};

/**
 * Promotion rules from untrusted JSON. `undefined` or `{}` gives the defaults; when the
 * guards are omitted, the default guards apply except one on the chosen primary metric;
 * `significance: null` turns the significance check off. Throws a HindsightError INVALID_ARGUMENT naming every problem found.
 */
export const parsePromotionRules = (input: unknown): PromotionRules => {
  const { record, problems, field } = readSettings('promotion rules', input, RULE_KEYS);
  const defaults = DEFAULT_PROMOTION_RULES;
  const primaryMetric = field<MetricName>(
    'primaryMetric',
    (value) => readMetric(value, 'primaryMetric', problems),
    defaults.primaryMetric as MetricName,
  );
  const minAbsoluteGain = field(
    'minAbsoluteGain',
    (value) => readNonNegative(value, 'minAbsoluteGain', problems),
    defaults.minAbsoluteGain,
  );
  const minRelativeGain = field(
    'minRelativeGain',
    (value) => readNonNegative(value, 'minRelativeGain', problems),
    defaults.minRelativeGain,
  );
  const rawGuards = fieldOf(record, 'guards');
  const guards =
    rawGuards === undefined
      ? defaults.guards
          .filter((guard) => guard.metric !== primaryMetric)
          .map((guard) => ({ ...guard }))
      : readGuards(rawGuards, primaryMetric, problems);
  const minValidationRows = field(
    'minValidationRows',
    (value) => readRowCount(value, 'minValidationRows', problems),
    defaults.minValidationRows,
  );
  const rawSignificance = fieldOf(record, 'significance');
  const significance =
    rawSignificance === undefined
      ? defaults.significance && { ...defaults.significance }
      : readSignificance(rawSignificance, problems);
  if (
    problems.length > 0 ||
    primaryMetric === undefined ||
    minAbsoluteGain === undefined ||
    minRelativeGain === undefined ||
    minValidationRows === undefined
  ) {
    throw new HindsightError('INVALID_ARGUMENT', `invalid promotion rules: ${problems.join('; ')}`);
  }
  return {
    primaryMetric,
    minAbsoluteGain,
    minRelativeGain,
    guards,
    minValidationRows,
    significance,
  };
};
