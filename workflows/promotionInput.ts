// The promotion workflow's input and a reviewer's verdict, checked in the workflow: malformed
// input fails it at once, a malformed verdict is refused by the update's validator.
import { invalid } from './inputChecks.js';
import type { GainInterval } from '../ml/metrics/pairedBootstrap.js';
import { isMetricName, type Metrics } from '../ml/promotion/metricDirections.js';
import { MODEL_NAME, VIEW_NAME } from '../ml/names.js';

export interface EvaluatedVersion {
  version: string;
  metrics: Metrics;
}

export interface PromotionWorkflowInput {
  /** The registered model, e.g. `work_order_overrun`. */
  modelName: string;
  /** The feature view the challenger learnt from, for finding the workflow by view. */
  view?: string | null;
  challenger: EvaluatedVersion;
  /** The champion evaluated on the same rows; null when there is none yet. */
  champion: EvaluatedVersion | null;
  /** A constant predictor at the training base rate, on the same rows. */
  baseline: Metrics;
  validationRows: number;
  datasetDigest: string;
  /** Promotion rules (see ml/promotion); defaults when omitted. */
  rules?: unknown;
  /**
   * The paired bootstrap of the challenger against the reference (the champion, or the
   * baseline without one) on the primary metric. Absent or null: none was computed, and rules
   * that require significance reject.
   */
  interval?: GainInterval | null;
  /** `required`: a person approves or rejects (updates `approve` / `reject`). Default `none`. */
  approval?: 'none' | 'required';
  /** How long a required approval may take before the challenger is rejected; default 24 h. */
  approvalTimeoutMs?: number;
}

export interface Review {
  reviewer: string;
  reason: string;
}

const VERSION = /^[1-9][0-9]{0,9}$/;

const checkVersion = (field: string, value: unknown): EvaluatedVersion => {
  const version = value as Partial<EvaluatedVersion> | null;
  if (typeof version !== 'object' || version === null) throw invalid(field, 'must be an object');
  if (typeof version.version !== 'string' || !VERSION.test(version.version)) {
    throw invalid(
      `${field}.version`,
      `must be a model version number as text, not ${JSON.stringify(version.version)}`,
    );
  }
  if (typeof version.metrics !== 'object' || version.metrics === null) {
    throw invalid(`${field}.metrics`, 'must be an object of metrics');
  }
  return version as EvaluatedVersion;
};

// JSON.stringify would call NaN null.
const shown = (value: unknown): string =>
  typeof value === 'number' ? String(value) : String(JSON.stringify(value));

const finite = (field: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(field, `must be a finite number, not ${shown(value)}`);
  }
  return value;
};

const whole = (field: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(field, `must be a whole number ≥ 1, not ${shown(value)}`);
  }
  return value;
};

/** A well-formed interval, copied field by field (nothing else rides along into events). */
const checkInterval = (value: unknown): GainInterval | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('interval', 'must be a gain interval ({ metric, confidence, … }) or null');
  }
  const given = value as Record<string, unknown>;
  if (typeof given.metric !== 'string' || !isMetricName(given.metric)) {
    throw invalid('interval.metric', `${JSON.stringify(given.metric)} is not a metric name`);
  }
  const confidence = finite('interval.confidence', given.confidence);
  if (confidence <= 0 || confidence >= 1) {
    throw invalid(
      'interval.confidence',
      `must be between 0 and 1, both excluded, not ${confidence}`,
    );
  }
  const interval: GainInterval = {
    metric: given.metric,
    confidence,
    resamples: whole('interval.resamples', given.resamples),
    rows: whole('interval.rows', given.rows),
    gain: finite('interval.gain', given.gain),
    lower: finite('interval.lower', given.lower),
    upper: finite('interval.upper', given.upper),
    standardError: finite('interval.standardError', given.standardError),
  };
  if (interval.lower > interval.upper) {
    throw invalid('interval', `lower ${interval.lower} is above upper ${interval.upper}`);
  }
  if (interval.standardError < 0) {
    throw invalid('interval.standardError', `must be ≥ 0, not ${interval.standardError}`);
  }
  return interval;
};

export const parsePromotionInput = (raw: unknown): Required<PromotionWorkflowInput> => {
  if (typeof raw !== 'object' || raw === null) throw invalid('input', 'must be an object');
  const input = raw as PromotionWorkflowInput;
  if (typeof input.modelName !== 'string' || !MODEL_NAME.test(input.modelName)) {
    throw invalid('modelName', `${JSON.stringify(input.modelName)} is not a model name`);
  }
  const approval = input.approval ?? 'none';
  if (approval !== 'none' && approval !== 'required') {
    throw invalid('approval', `must be 'none' or 'required', not ${JSON.stringify(approval)}`);
  }
  const approvalTimeoutMs = input.approvalTimeoutMs ?? 24 * 3_600_000;
  if (!Number.isSafeInteger(approvalTimeoutMs) || approvalTimeoutMs < 1000) {
    throw invalid(
      'approvalTimeoutMs',
      `must be a whole number of ms ≥ 1000, not ${approvalTimeoutMs}`,
    );
  }
  if (!Number.isSafeInteger(input.validationRows) || input.validationRows < 0) {
    throw invalid('validationRows', 'must be a whole number ≥ 0');
  }
  const view = input.view ?? null;
  if (view !== null && (typeof view !== 'string' || !VIEW_NAME.test(view))) {
    throw invalid('view', `${JSON.stringify(view)} is not a feature view name (snake case)`);
  }
  if (typeof input.datasetDigest !== 'string' || !/^[0-9a-f]{64}$/.test(input.datasetDigest)) {
    throw invalid('datasetDigest', 'must be a dataset digest (64 hex digits)');
  }
  return {
    modelName: input.modelName,
    view,
    challenger: checkVersion('challenger', input.challenger),
    champion:
      input.champion === null || input.champion === undefined
        ? null
        : checkVersion('champion', input.champion),
    baseline: input.baseline,
    validationRows: input.validationRows,
    datasetDigest: input.datasetDigest,
    rules: input.rules ?? {},
    interval: checkInterval(input.interval),
    approval,
    approvalTimeoutMs,
  };
};

/** The validator of `approve` and `reject`: who decides, and why, in words. */
export const checkReview = (review: unknown): void => {
  const given = review as Partial<Review> | null;
  if (typeof given !== 'object' || given === null) {
    throw new Error('a review is { reviewer, reason }');
  }
  if (
    typeof given.reviewer !== 'string' ||
    given.reviewer.trim() === '' ||
    given.reviewer.length > 200
  ) {
    throw new Error('reviewer: give who decides (1 to 200 characters)');
  }
  if (
    typeof given.reason !== 'string' ||
    given.reason.trim() === '' ||
    given.reason.length > 2000
  ) {
    throw new Error('reason: say why (1 to 2000 characters)');
  }
};
