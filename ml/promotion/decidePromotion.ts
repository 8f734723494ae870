// Whether a challenger replaces the champion (or, as the first model, beats the base rate).
import { HindsightError } from '../../platform/errors.js';
import type { GainInterval } from '../metrics/pairedBootstrap.js';
import type { Metrics } from './metricDirections.js';
import { parsePromotionRules } from './parsePromotionRules.js';
import {
  absoluteGainCheck,
  guardCheck,
  relativeGainCheck,
  significanceCheck,
  validationRowsCheck,
} from './promotionChecks.js';
import type { PromotionCheck, Reference } from './promotionChecks.js';
import type { PromotionRules } from './promotionRules.js';

export interface PromotionInput {
  rules: PromotionRules;
  challenger: Metrics;
  /** The champion evaluated on the same validation rows; null for the first model. */
  champion: Metrics | null;
  /** A constant predictor at the training base rate on the same rows (rocAuc 0.5, …). */
  baseline: Metrics;
  validationRows: number;
  /**
   * The paired bootstrap of the challenger against the reference (the champion, or the
   * baseline without one) on the primary metric; null when none was computed.
   */
  interval: GainInterval | null;
}

export interface PromotionDecision {
  promote: boolean;
  comparedWith: Reference;
  /** The interval the significance check judged (given whether or not the rules ask for it). */
  interval: GainInterval | null;
  /** Every check's sentence when promoted; the failed checks' sentences when not. */
  reasons: string[];
  checks: PromotionCheck[];
}

/**
 * Promotes when every check passes: enough validation rows; the primary metric better by at
 * least the absolute gain (and, against a champion, the relative gain), and significantly so
 * when the rules ask (the gain's interval above 0); each guard worse by at most its allowance. Every check runs, so a rejection lists all its reasons.
 * Without a champion the reference is the baseline, and the relative gain does not apply:
 * a fraction of a constant predictor's score measures nothing.
 */
export const decidePromotion = ({
  rules,
  challenger,
  champion,
  baseline,
  validationRows,
  interval,
}: PromotionInput): PromotionDecision => {
  // Rules built in code get the same checks as rules from a user.
  const valid = parsePromotionRules(rules);
  if (!Number.isSafeInteger(validationRows) || validationRows < 0) {
    throw new HindsightError(
      'INVALID_ARGUMENT',
      `validationRows must be a whole number ≥ 0, not ${validationRows}`,
    );
  }
  const comparedWith: Reference = champion ? 'champion' : 'baseline';
  const reference = champion ?? baseline;
  const metric = valid.primaryMetric;
  const checks = [
    validationRowsCheck(validationRows, valid.minValidationRows),
    absoluteGainCheck(metric, challenger, reference, comparedWith, valid.minAbsoluteGain),
    ...(champion
      ? [relativeGainCheck(metric, challenger, champion, comparedWith, valid.minRelativeGain)]
      : []),
    ...(valid.significance
      ? [significanceCheck(metric, valid.significance, interval ?? null, comparedWith)]
      : []),
    ...valid.guards.map((guard) => guardCheck(guard, challenger, reference, comparedWith)),
  ];
  const promote = checks.every((check) => check.passed);
  const reasons = checks.filter((check) => promote || !check.passed).map((check) => check.detail);
  return { promote, comparedWith, interval: interval ?? null, reasons, checks };
};
