// What a challenger must show to replace the champion (or, for the first model, the base rate).

export interface PromotionGuard {
  /** A metric of `METRIC_DIRECTIONS`, other than the primary one. */
  metric: string;
  /** How much worse than the reference the challenger may be, in the metric's units. */
  maxLoss: number;
}

/** How sure the gain must be: a paired bootstrap interval of it must lie above 0. */
export interface SignificanceRule {
  /** The interval's confidence, in (0, 1), e.g. 0.95. */
  confidence: number;
  /** Paired resamples the evaluation draws, 100 to 100000. */
  resamples: number;
}

export interface PromotionRules {
  /** The metric that must improve; a name of `METRIC_DIRECTIONS`. */
  primaryMetric: string;
  /** The least improvement of the primary metric, in its units (the champion's or baseline's). */
  minAbsoluteGain: number;
  /** The least improvement as a fraction of the champion's value; not applied to a baseline. */
  minRelativeGain: number;
  guards: readonly PromotionGuard[];
  /** Fewer validation rows than this and nothing is promoted. */
  minValidationRows: number;
  /** The gain of the primary metric must be significant; null promotes on the gains alone. */
  significance: SignificanceRule | null;
}

// A fixed minimum gain knows nothing of the noise: on 300 rows a gain of 0.01 AUC is often
// chance, on 30,000 rarely. The gain's interval over paired resamples of the validation rows
// says which; 95% and 1000 resamples are the usual choice, about a second on 100k rows.
export const DEFAULT_SIGNIFICANCE: Readonly<SignificanceRule> = Object.freeze({
  confidence: 0.95,
  resamples: 1000,
});

export const DEFAULT_PROMOTION_RULES: Readonly<PromotionRules> = Object.freeze({
  // Ranking quality, independent of a threshold and of the base rate.
  primaryMetric: 'rocAuc',
  // Half a point of AUC: smaller differences between two models on the same few hundred or
  // thousand rows are mostly noise, and a new champion for noise is churn.
  minAbsoluteGain: 0.005,
  // The absolute gain suffices for a bounded metric such as AUC; raise it for an unbounded one.
  minRelativeGain: 0,
  // AUC is blind to calibration, but scores are read as probabilities: a better ranking must
  // not come with worse probabilities. At a 30% base rate a constant predictor scores logLoss
  // 0.611 and brier 0.210, so these allow a loss of about 3% and 5% of that.
  guards: Object.freeze([
    Object.freeze({ metric: 'logLoss', maxLoss: 0.02 }),
    Object.freeze({ metric: 'brier', maxLoss: 0.01 }),
  ]),
  // Under ~200 rows (~50 positives at a 25% base rate) AUC's standard error is ~0.04, eight
  // times the minimum gain: the comparison would mean nothing.
  minValidationRows: 200,
  significance: DEFAULT_SIGNIFICANCE,
});
