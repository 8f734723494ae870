// Live evaluation: predictions joined with the outcomes that arrived later, in fixed time
// windows. Outcomes come late or never, so every figure is "as of" a time, and a window's
// figures only settle once its last prediction's label horizon has passed.
import { HindsightError } from '../../platform/errors.js';
import type { Label } from '../featureView.js';
import { brierScore } from '../metrics/brierScore.js';
import { calibrationTable } from '../metrics/calibrationTable.js';
import type { CalibrationBin } from '../metrics/calibrationTable.js';
import { logLoss } from '../metrics/logLoss.js';
import { prAuc } from '../metrics/prAuc.js';
import { rocAuc } from '../metrics/rocAuc.js';

/** A `PredictionMade` joined with its outcome, if one has been recorded. */
export interface LivePrediction {
  readonly predictionId: string;
  readonly modelVersion: string;
  readonly entityId: string;
  /** The predicted probability of the positive class, in [0, 1]. */
  readonly score: number;
  /** Milliseconds, on the same clock as `labelledAt` and `asOf`. */
  readonly predictedAt: number;
  /** Null while no outcome is recorded; then `labelledAt` is null too. */
  readonly label: Label | null;
  readonly labelledAt: number | null;
}

/** The window [start, end) that holds a time, `index` windows after the origin's. */
export interface LiveWindow {
  readonly index: number;
  readonly start: number;
  readonly end: number;
}

/** One model version's figures in one window. */
export interface VersionWindowMetrics {
  readonly modelVersion: string;
  /** Predictions made in the window (and by `asOf`). */
  readonly predictions: number;
  /** With an outcome recorded by `asOf` and within the label horizon. */
  readonly labelled: number;
  /** No outcome yet, but the horizon has not passed: it may still come. */
  readonly unlabelled: number;
  /** No outcome within the horizon: it will never count. */
  readonly expired: number;
  /** labelled / predictions. */
  readonly labelCoverage: number;
  // The figures below are over the labelled predictions; null without any (or, for rocAuc,
  // with one class only; for prAuc, without positives).
  readonly positives: number;
  readonly positiveRate: number | null;
  /** Mean score of the labelled predictions: compare with `positiveRate`. */
  readonly meanScore: number | null;
  readonly rocAuc: number | null;
  readonly prAuc: number | null;
  readonly logLoss: number | null;
  readonly brier: number | null;
  /** Ten equal-width bins over [0, 1]; null without labelled predictions. */
  readonly calibration: readonly CalibrationBin[] | null;
  /** Expected calibration error over `calibration`. */
  readonly ece: number | null;
}

export interface WindowEvaluation {
  readonly windowStart: number;
  /** Exclusive: the window holds predictions made in [windowStart, windowEnd). */
  readonly windowEnd: number;
  readonly labelHorizonMs: number;
  readonly asOf: number;
  /** windowEnd + labelHorizonMs: from then on, no figure of the window can change. */
  readonly closesAt: number;
  readonly closed: boolean;
  /** One entry per model version with predictions in the window, in version order. */
  readonly versions: readonly VersionWindowMetrics[];
}

export interface EvaluateWindowInput {
  readonly rows: readonly LivePrediction[];
  readonly windowStart: number;
  readonly windowMs: number;
  /** How long after a prediction its outcome may arrive and still count. */
  readonly labelHorizonMs: number;
  /** The time of the evaluation: nothing recorded after it is known yet. */
  readonly asOf: number;
}

/** Equal-width bins, fixed so that tables of different windows line up bin by bin. */
export const LIVE_CALIBRATION_BINS = 10;

const invalid = (message: string): HindsightError =>
  new HindsightError('INVALID_ARGUMENT', message);

// Input may come from JSON at runtime, so show what it really holds, not what the type says.
const describe = (value: unknown): string =>
  typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));

// Whole milliseconds keep window membership exact: no boundary can round either way.
const assertTime = (value: unknown, name: string): void => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalid(`${name} is ${describe(value)}: it must be a whole number of milliseconds`);
  }
};

const assertDuration = (value: unknown, name: string, least: number): void => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
    throw invalid(
      `${name} is ${describe(value)}: it must be a whole number of milliseconds ≥ ${least}`,
    );
  }
};

/** The window holding `time`: windows are [origin + k·windowMs, origin + (k+1)·windowMs). */
export const windowOf = (time: number, windowMs: number, origin = 0): LiveWindow => {
  assertTime(time, 'time');
  assertDuration(windowMs, 'windowMs', 1);
  assertTime(origin, 'origin');
  // Floor division of safe integers is exact, but a quotient rounding up to a whole number
  // would put the time one window late; settle it against the bounds.
  let index = Math.floor((time - origin) / windowMs);
  if (origin + index * windowMs > time) index -= 1;
  const start = origin + index * windowMs;
  return { index, start, end: start + windowMs };
};

const assertRow = (row: LivePrediction, index: number, seen: Set<string>): void => {
  const path = `rows[${index}]`;
  if (typeof row.predictionId !== 'string' || row.predictionId === '') {
    throw invalid(
      `${path}.predictionId is ${describe(row.predictionId)}: it must be a non-empty string`,
    );
  }
  // A prediction counted twice would weigh twice in every figure.
  if (seen.has(row.predictionId)) {
    throw invalid(`${path}.predictionId '${row.predictionId}' appears twice`);
  }
  seen.add(row.predictionId);
  if (typeof row.modelVersion !== 'string' || row.modelVersion === '') {
    throw invalid(
      `${path}.modelVersion is ${describe(row.modelVersion)}: it must be a non-empty string`,
    );
  }
  const score: unknown = row.score;
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
    throw invalid(`${path}.score is ${describe(score)}: a score must be a probability in [0, 1]`);
  }
  assertTime(row.predictedAt, `${path}.predictedAt`);
  const label: unknown = row.label;
  if (label === null) {
    if (row.labelledAt !== null) {
      throw invalid(`${path}.labelledAt is ${describe(row.labelledAt)} but label is null`);
    }
    return;
  }
  if (label !== 0 && label !== 1) {
    throw invalid(`${path}.label is ${describe(label)}: a label must be 0, 1 or null`);
  }
  if (row.labelledAt === null) throw invalid(`${path}.labelledAt is null but label is ${label}`);
  assertTime(row.labelledAt, `${path}.labelledAt`);
  // An outcome recorded before the prediction was made would be a leak, not an outcome.
  if (row.labelledAt < row.predictedAt) {
    throw invalid(`${path}.labelledAt ${row.labelledAt} is before predictedAt ${row.predictedAt}`);
  }
};

type Status = 'labelled' | 'unlabelled' | 'expired';

/** Only an outcome known by `asOf` and recorded before the horizon ran out counts. */
const statusOf = (row: LivePrediction, labelHorizonMs: number, asOf: number): Status => {
  const deadline = row.predictedAt + labelHorizonMs;
  if (row.labelledAt !== null && row.labelledAt < deadline && row.labelledAt <= asOf) {
    return 'labelled';
  }
  return asOf >= deadline ? 'expired' : 'unlabelled';
};

const INTEGER = /^\d+$/;

/** Integer versions (MLflow's) in numeric order first, then any others in code-unit order. */
export const compareVersions = (a: string, b: string): number => {
  const aInteger = INTEGER.test(a);
  const bInteger = INTEGER.test(b);
  if (aInteger && bInteger) {
    const difference = BigInt(a) - BigInt(b);
    if (difference !== 0n) return difference < 0n ? -1 : 1;
  } else if (aInteger !== bInteger) {
    return aInteger ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
};

const versionMetrics = (
  modelVersion: string,
  rows: readonly LivePrediction[],
  labelHorizonMs: number,
  asOf: number,
): VersionWindowMetrics => {
  const labels: Label[] = [];
  const scores: number[] = [];
  let unlabelled = 0;
  let expired = 0;
  for (const row of rows) {
    const status = statusOf(row, labelHorizonMs, asOf);
    if (status === 'labelled') {
      labels.push(row.label ?? 0);
      scores.push(row.score);
    } else if (status === 'unlabelled') unlabelled += 1;
    else expired += 1;
  }
  const labelled = labels.length;
  const positives = labels.reduce<number>((sum, label) => sum + label, 0);
  const counts = {
    modelVersion,
    predictions: rows.length,
    labelled,
    unlabelled,
    expired,
    labelCoverage: labelled / rows.length,
    positives,
  };
  if (labelled === 0) {
    return {
      ...counts,
      positiveRate: null,
      meanScore: null,
      rocAuc: null,
      prAuc: null,
      logLoss: null,
      brier: null,
      calibration: null,
      ece: null,
    };
  }
  const calibration = calibrationTable(labels, scores, LIVE_CALIBRATION_BINS);
  return {
    ...counts,
    positiveRate: positives / labelled,
    meanScore: scores.reduce((sum, score) => sum + score, 0) / labelled,
    rocAuc: rocAuc(labels, scores),
    prAuc: prAuc(labels, scores),
    logLoss: logLoss(labels, scores),
    brier: brierScore(labels, scores),
    calibration: calibration.bins,
    ece: calibration.expectedCalibrationError,
  };
};

/**
 * The window [windowStart, windowStart + windowMs) as known at `asOf`, per model version.
 * Predictions made after `asOf` and outcomes recorded after it are not known yet and are
 * left out, so evaluating a replayed log gives the figures a live evaluation gave then.
 * Throws `INVALID_ARGUMENT` for any malformed row, in the window or not.
 */
export const evaluateWindow = ({
  rows,
  windowStart,
  windowMs,
  labelHorizonMs,
  asOf,
}: EvaluateWindowInput): WindowEvaluation => {
  assertTime(windowStart, 'windowStart');
  assertDuration(windowMs, 'windowMs', 1);
  assertDuration(labelHorizonMs, 'labelHorizonMs', 0);
  assertTime(asOf, 'asOf');
  const seen = new Set<string>();
  rows.forEach((row, index) => assertRow(row, index, seen));
  const windowEnd = windowStart + windowMs;
  const byVersion = new Map<string, LivePrediction[]>();
  for (const row of rows) {
    if (row.predictedAt < windowStart || row.predictedAt >= windowEnd || row.predictedAt > asOf) {
      continue;
    }
    const group = byVersion.get(row.modelVersion);
    if (group) group.push(row);
    else byVersion.set(row.modelVersion, [row]);
  }
  const versions = [...byVersion.keys()]
    .sort(compareVersions)
    .map((version) => versionMetrics(version, byVersion.get(version) ?? [], labelHorizonMs, asOf));
  const closesAt = windowEnd + labelHorizonMs;
  return {
    windowStart,
    windowEnd,
    labelHorizonMs,
    asOf,
    closesAt,
    closed: asOf >= closesAt,
    versions,
  };
};
