// The single checks of a promotion decision, each a pure function of numbers and metrics.
import type { GainInterval } from '../metrics/pairedBootstrap.js';
import { improvement, metricDirection, shiftBetter } from './metricDirections.js';
import type { Metrics } from './metricDirections.js';
import type { PromotionGuard, SignificanceRule } from './promotionRules.js';

export interface PromotionCheck {
  name: string;
  passed: boolean;
  /** One sentence with the numbers, to 4 decimals. */
  detail: string;
  /**
   * The challenger's value (the row count for the rows check, the lower end of the gain's
   * interval for the significance check).
   */
  challenger: number | null;
  /** The champion's or the baseline's value; null for the rows check. */
  reference: number | null;
  /**
   * The bound the challenger's value must meet: at least it when higher is better, at most
   * when lower is better; the least row count for the rows check. Null when not computable.
   */
  required: number | null;
}

export type Reference = 'champion' | 'baseline';

/**
 * Differences this small are floating-point noise, not a result: a gain exactly at a threshold
 * passes even when `0.815 - 0.81` comes out as 0.004999…, and a tie stays a tie.
 */
export const FLOAT_TOLERANCE = 1e-9;

export const formatMetric = (value: number): string => {
  const text = value.toFixed(4);
  return text === '-0.0000' ? '0.0000' : text;
};

/** A metric's value, or null when it is null, absent or not finite. */
export const metricValue = (metrics: Metrics, metric: string): number | null => {
  const value = metrics[metric];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

const directionNote = (metric: string): string =>
  metricDirection(metric) === 'lower' ? ' (lower is better)' : '';

const missingDetail = (
  label: string,
  challenger: number | null,
  reference: Reference,
  consequence: string,
): string =>
  challenger === null
    ? `${label}: the challenger has no value (null, e.g. validation rows of one class); ${consequence}`
    : `${label}: the ${reference} has no value (null); ${consequence}`;

export const validationRowsCheck = (rows: number, minRows: number): PromotionCheck => {
  const passed = rows >= minRows;
  return {
    name: 'validation rows',
    passed,
    detail: passed
      ? `validation rows ${rows} ≥ ${minRows}`
      : `validation rows ${rows} < ${minRows} required: too few to judge a model`,
    challenger: rows,
    reference: null,
    required: minRows,
  };
};

/** The primary metric must improve strictly, and by at least `minGain`: a tie never promotes. */
export const absoluteGainCheck = (
  metric: string,
  challengerMetrics: Metrics,
  referenceMetrics: Metrics,
  reference: Reference,
  minGain: number,
): PromotionCheck => {
  const name = `${metric} absolute gain`;
  const challenger = metricValue(challengerMetrics, metric);
  const referenceValue = metricValue(referenceMetrics, metric);
  if (challenger === null || referenceValue === null) {
    const detail = missingDetail(metric, challenger, reference, 'the models cannot be compared');
    return { name, passed: false, detail, challenger, reference: referenceValue, required: null };
  }
  const gain = improvement(metric, challenger, referenceValue);
  const improved = gain > FLOAT_TOLERANCE;
  const passed = improved && gain >= minGain - FLOAT_TOLERANCE;
  const head = `${metric} ${formatMetric(challenger)} vs ${reference} ${formatMetric(referenceValue)}${directionNote(metric)}: gain ${formatMetric(gain)}`;
  const detail = !improved
    ? `${head}, no improvement over the ${reference}`
    : `${head} ${passed ? '≥' : '<'} ${formatMetric(minGain)}`;
  return {
    name,
    passed,
    detail,
    challenger,
    reference: referenceValue,
    required: shiftBetter(metric, referenceValue, minGain),
  };
};

/**
 * Gain over |champion value| must reach `minRelativeGain`. When the champion's value is 0 the
 * ratio is undefined and any strict gain counts as enough.
 */
export const relativeGainCheck = (
  metric: string,
  challengerMetrics: Metrics,
  referenceMetrics: Metrics,
  reference: Reference,
  minRelativeGain: number,
): PromotionCheck => {
  const name = `${metric} relative gain`;
  const challenger = metricValue(challengerMetrics, metric);
  const referenceValue = metricValue(referenceMetrics, metric);
  if (challenger === null || referenceValue === null) {
    const detail = missingDetail(`${metric} relative gain`, challenger, reference, 'not computed');
    return { name, passed: false, detail, challenger, reference: referenceValue, required: null };
  }
  const gain = improvement(metric, challenger, referenceValue);
  const scale = Math.abs(referenceValue);
  if (scale <= FLOAT_TOLERANCE) {
    const passed = gain > FLOAT_TOLERANCE;
    const detail = `${metric} relative gain: the ${reference}'s value is 0, so any gain counts: gain ${formatMetric(gain)} ${passed ? '>' : '≤'} 0`;
    return { name, passed, detail, challenger, reference: referenceValue, required: null };
  }
  const relative = gain / scale;
  const passed = relative >= minRelativeGain - FLOAT_TOLERANCE;
  return {
    name,
    passed,
    detail: `${metric} relative gain ${formatMetric(relative)} (${formatMetric(gain)} / ${formatMetric(scale)}) ${passed ? '≥' : '<'} ${formatMetric(minRelativeGain)}`,
    challenger,
    reference: referenceValue,
    required: shiftBetter(metric, referenceValue, minRelativeGain * scale),
  };
};

/** The challenger may be worse than the reference by at most `maxLoss`; unmeasured fails. */
export const guardCheck = (
  { metric, maxLoss }: PromotionGuard,
  challengerMetrics: Metrics,
  referenceMetrics: Metrics,
  reference: Reference,
): PromotionCheck => {
  const name = `guard ${metric}`;
  const challenger = metricValue(challengerMetrics, metric);
  const referenceValue = metricValue(referenceMetrics, metric);
  if (challenger === null || referenceValue === null) {
    const detail = missingDetail(
      name,
      challenger,
      reference,
      'a guard that cannot be measured fails',
    );
    return { name, passed: false, detail, challenger, reference: referenceValue, required: null };
  }
  const loss = -improvement(metric, challenger, referenceValue);
  const passed = loss <= maxLoss + FLOAT_TOLERANCE;
  const head = `guard ${metric} ${formatMetric(challenger)} vs ${reference} ${formatMetric(referenceValue)}${directionNote(metric)}`;
  const detail =
    loss <= FLOAT_TOLERANCE
      ? `${head}: no loss`
      : `${head}: loss ${formatMetric(loss)} ${passed ? '≤' : '>'} ${formatMetric(maxLoss)} allowed`;
  return {
    name,
    passed,
    detail,
    challenger,
    reference: referenceValue,
    required: shiftBetter(metric, referenceValue, -maxLoss),
  };
};

/** 0.95 → "95%", 0.975 → "97.5%". */
export const formatConfidence = (confidence: number): string =>
  `${Number((confidence * 100).toFixed(2))}%`;

/** "interval -0.0060 to 0.0310 over 412 rows, 1000 paired resamples". */
export const describeInterval = ({ lower, upper, rows, resamples }: GainInterval): string =>
  `interval ${formatMetric(lower)} to ${formatMetric(upper)} over ${rows} rows, ${resamples} paired resamples`;

// Intervals come through JSON and from other code: a confidence of 0.95 may arrive as
// 0.9500000001, which is the same promise.
const sameConfidence = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6;

/**
 * The gain of the primary metric over the reference must be significant: the interval of its
 * paired bootstrap at the rules' confidence lies strictly above 0. Without an interval, or with
 * one of another metric or confidence, it fails: a guess is no evidence.
 */
export const significanceCheck = (
  metric: string,
  rule: SignificanceRule,
  interval: GainInterval | null,
  reference: Reference,
): PromotionCheck => {
  const name = `${metric} significance`;
  const at = formatConfidence(rule.confidence);
  const failed = (detail: string): PromotionCheck => ({
    name,
    passed: false,
    detail,
    challenger: null,
    reference: null,
    required: 0,
  });
  if (interval === null) {
    return failed(
      `no significance interval was computed for the ${metric} gain over the ${reference}, ` +
        `and the rules require one at ${at} (significance: null promotes without)`,
    );
  }
  if (interval.metric !== metric || !sameConfidence(interval.confidence, rule.confidence)) {
    return failed(
      `the significance interval is of ${interval.metric} at ${formatConfidence(interval.confidence)}, ` +
        `not of ${metric} at ${at} as the rules require`,
    );
  }
  const passed = interval.lower > FLOAT_TOLERANCE;
  const head = `${metric} gain ${formatMetric(interval.gain)} over the ${reference}`;
  const detail = passed
    ? `${head} is significant at ${at} (${describeInterval(interval)})`
    : `${head} is not significant at ${at} (${describeInterval(interval)}): the difference may be noise`;
  return { name, passed, detail, challenger: interval.lower, reference: null, required: 0 };
};
