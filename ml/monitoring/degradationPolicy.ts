// When the champion's live figures have fallen far enough, for long enough, to retrain: a
// reducer over evaluated windows, so that one bad window or a burst of them starts at most one
// retraining.
import { HindsightError } from '../../platform/errors.js';
import {
  describe,
  fieldOf,
  readMetric,
  readNonNegative,
  readSettings,
  readWhole,
} from '../fieldReaders.js';
import { improvement, metricDirection, shiftBetter } from '../promotion/metricDirections.js';
import type { MetricName } from '../promotion/metricDirections.js';
import { FLOAT_TOLERANCE, formatMetric } from '../promotion/promotionChecks.js';

export interface DegradationPolicy {
  /** The live metric watched; a name of `METRIC_DIRECTIONS`. */
  metric: MetricName;
  /** Absolute bar: a window below it (above it when lower is better) is degraded. */
  threshold?: number;
  /** A window worse than the champion's validation figure by more than this is degraded. */
  maxDropFromValidation?: number;
  /** Degraded windows in a row that start a retraining. */
  windowsInARow: number;
  /** A window with fewer labelled predictions neither counts nor breaks the streak. */
  minLabelled: number;
  /** The least time between two retrainings. */
  cooldownMs: number;
}

export const DEFAULT_DEGRADATION_POLICY = Object.freeze({
  // Ranking quality: the metric promotion compares, so the same yardstick in and out.
  metric: 'rocAuc',
  // One bad window is often a bad hour; several in a row is a trend.
  windowsInARow: 3,
  // A window's AUC over a few dozen outcomes is mostly noise.
  minLabelled: 50,
  // A retraining, its evaluation and its promotion take a while; meanwhile the old champion's
  // windows stay bad, and must not start a second run on the same data.
  cooldownMs: 6 * 60 * 60 * 1000,
} as const satisfies Omit<DegradationPolicy, 'threshold' | 'maxDropFromValidation'>);

export interface DegradedWindow {
  windowStart: number;
  value: number | null;
}

export interface DegradationState {
  /** The champion the streak is about; a new champion starts a new streak. */
  championVersion: string | null;
  streak: number;
  /** The streak's last windows, at most `windowsInARow`, oldest first. */
  degradedWindows: DegradedWindow[];
  lastRetrainingAt: number | null;
  retrainingInFlight: boolean;
}

export interface ObservedWindow {
  windowStart: number;
  labelled: number;
  /** The policy's metric over the window's labelled predictions; null when undefined. */
  value: number | null;
}

export interface ObserveWindowInput {
  championVersion: string;
  /** The champion's figure of the policy's metric on its validation rows. */
  validationValue: number | null;
  window: ObservedWindow;
  now: number;
}

export interface DegradationDecision {
  retrain: boolean;
  /** Null when the window was skipped (too few labels, no value, no bar). */
  degraded: boolean | null;
  /** One sentence with the metric, the values, the bar and the windows. */
  reason: string;
}

export const initialDegradationState = (): DegradationState => ({
  championVersion: null,
  streak: 0,
  degradedWindows: [],
  lastRetrainingAt: null,
  retrainingInFlight: false,
});

/** The retraining started by `observeWindow` has ended (promoted, rejected or failed). */
export const retrainingFinished = (state: DegradationState): DegradationState => ({
  ...state,
  degradedWindows: [...state.degradedWindows],
  retrainingInFlight: false,
});

// ---- Parsing a policy from untrusted JSON ----

const POLICY_KEYS: readonly string[] = [
  'metric',
  'threshold',
  'maxDropFromValidation',
  'windowsInARow',
  'minLabelled',
  'cooldownMs',
];

// Log loss has no upper bound; every other metric of the table lies in [0, 1], so a threshold
// above 1 for one of them is a mistake (a percentage, say) that would flag every window.
const UNBOUNDED_METRICS: readonly MetricName[] = ['logLoss'];

/**
 * A degradation policy from untrusted JSON: omitted fields take the defaults, but at least
 * one bar (threshold, maxDropFromValidation) must be given. Throws
 * a HindsightError INVALID_ARGUMENT naming every problem found.
 */
export const parseDegradationPolicy = (raw: unknown): DegradationPolicy => {
  const { record, problems, field } = readSettings('degradation policy', raw, POLICY_KEYS);
  const defaults = DEFAULT_DEGRADATION_POLICY;
  const metric = field<MetricName>(
    'metric',
    (value) => readMetric(value, 'metric', problems),
    defaults.metric,
  );
  const rawThreshold = fieldOf(record, 'threshold');
  let threshold =
    rawThreshold === undefined ? undefined : readNonNegative(rawThreshold, 'threshold', problems);
  if (
    threshold !== undefined &&
    threshold > 1 &&
    metric !== undefined &&
    !UNBOUNDED_METRICS.includes(metric)
  ) {
    problems.push(`threshold: ${metric} lies in [0, 1], so a bar of ${threshold} is out of reach`);
    threshold = undefined;
  }
  const rawDrop = fieldOf(record, 'maxDropFromValidation');
  const maxDropFromValidation =
    rawDrop === undefined ? undefined : readNonNegative(rawDrop, 'maxDropFromValidation', problems);
  if (rawThreshold === undefined && rawDrop === undefined) {
    problems.push('threshold, maxDropFromValidation: at least one is required');
  }
  const windowsInARow = field(
    'windowsInARow',
    (value) => readWhole(value, 'windowsInARow', 1, problems),
    defaults.windowsInARow,
  );
  const minLabelled = field(
    'minLabelled',
    (value) => readWhole(value, 'minLabelled', 1, problems),
    defaults.minLabelled,
  );
  const cooldownMs = field(
    'cooldownMs',
    (value) => readWhole(value, 'cooldownMs', 0, problems),
    defaults.cooldownMs,
  );
  if (
    problems.length > 0 ||
    metric === undefined ||
    windowsInARow === undefined ||
    minLabelled === undefined ||
    cooldownMs === undefined
  ) {
    throw new HindsightError(
      'INVALID_ARGUMENT',
      `invalid degradation policy: ${problems.join('; ')}`,
    );
  }
  return {
    metric,
    ...(threshold === undefined ? {} : { threshold }),
    ...(maxDropFromValidation === undefined ? {} : { maxDropFromValidation }),
    windowsInARow,
    minLabelled,
    cooldownMs,
  };
};

// ---- Observing windows ----

const invalid = (message: string): HindsightError =>
  new HindsightError('INVALID_ARGUMENT', message);

const assertWhole = (value: unknown, name: string, least: number): void => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < least) {
    throw invalid(`${name} is ${describe(value)}: it must be a whole number ≥ ${least}`);
  }
};

const assertTime = (value: unknown, name: string): void => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalid(`${name} is ${describe(value)}: it must be a whole number of milliseconds`);
  }
};

const assertValue = (value: unknown, name: string): void => {
  if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw invalid(`${name} is ${describe(value)}: it must be a finite number or null`);
  }
};

const assertInput = (state: DegradationState, input: ObserveWindowInput): void => {
  if (typeof input.championVersion !== 'string' || input.championVersion === '') {
    throw invalid(
      `championVersion is ${describe(input.championVersion)}: it must be a non-empty string`,
    );
  }
  assertValue(input.validationValue, 'validationValue');
  assertTime(input.window.windowStart, 'window.windowStart');
  assertWhole(input.window.labelled, 'window.labelled', 0);
  assertValue(input.window.value, 'window.value');
  assertTime(input.now, 'now');
  assertWhole(state.streak, 'state.streak', 0);
  if (state.lastRetrainingAt !== null) assertTime(state.lastRetrainingAt, 'state.lastRetrainingAt');
};

// Times in sentences read as instants; a time beyond Date's range stays a number.
const formatTime = (ms: number): string => {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
};

interface Bar {
  value: number;
  /** Where the bar comes from, for the reason. */
  source: string;
}

/** The stricter of the bars that apply; null when none does (no threshold, no validation). */
const barOf = (policy: DegradationPolicy, validationValue: number | null): Bar | null => {
  const { metric, threshold, maxDropFromValidation: drop } = policy;
  const bars: Bar[] = [];
  if (threshold !== undefined) bars.push({ value: threshold, source: 'threshold' });
  if (drop !== undefined && validationValue !== null) {
    const sign = metricDirection(metric) === 'higher' ? '−' : '+';
    bars.push({
      value: shiftBetter(metric, validationValue, -drop),
      source: `validation ${formatMetric(validationValue)} ${sign} ${formatMetric(drop)}`,
    });
  }
  return bars.reduce<Bar | null>(
    (stricter, bar) =>
      stricter === null || improvement(metric, bar.value, stricter.value) > 0 ? bar : stricter,
    null,
  );
};

/**
 * Folds one evaluated window of the champion into the state. A new champion starts a new
 * streak; a window with too few labels, no value or no bar is skipped and leaves the streak
 * as it is; a degraded one lengthens it, a healthy one ends it. Once the streak is
 * `windowsInARow` long, it retrains unless a retraining is running or the cooldown since the
 * last one has not passed; a retraining ends the streak. Windows must come once each, in order.
 */
export const observeWindow = (
  policy: DegradationPolicy,
  state: DegradationState,
  input: ObserveWindowInput,
): { state: DegradationState; decision: DegradationDecision } => {
  // Policies built in code get the same checks as policies from a user.
  const valid = parseDegradationPolicy(policy);
  assertInput(state, input);
  const { championVersion, validationValue, window, now } = input;
  const { metric, windowsInARow: needed } = valid;
  const sameChampion = state.championVersion === championVersion;
  const current: DegradationState = {
    ...state,
    championVersion,
    streak: sameChampion ? state.streak : 0,
    degradedWindows: sameChampion ? [...state.degradedWindows] : [],
  };
  const last = current.degradedWindows.at(-1);
  // Seeing a degraded window twice would lengthen the streak without new evidence.
  if (last !== undefined && window.windowStart <= last.windowStart) {
    throw invalid(
      `window.windowStart ${formatTime(window.windowStart)} is not after the streak's last window ` +
        `${formatTime(last.windowStart)}: each window must be observed once, in order`,
    );
  }
  const changed =
    state.championVersion !== null && !sameChampion
      ? `champion changed from ${state.championVersion} to ${championVersion}, streak reset; `
      : '';
  const where = `the window from ${formatTime(window.windowStart)}`;
  const streakStays = `streak stays at ${current.streak} of ${needed}`;
  const outcome = (
    next: DegradationState,
    degraded: boolean | null,
    sentence: string,
    retrain = false,
  ) => ({ state: next, decision: { retrain, degraded, reason: `${changed}${sentence}` } });

  if (window.labelled < valid.minLabelled) {
    return outcome(
      current,
      null,
      `${metric} in ${where} skipped: ${window.labelled} labelled predictions, fewer than the ` +
        `${valid.minLabelled} required; ${streakStays}`,
    );
  }
  if (window.value === null) {
    return outcome(
      current,
      null,
      `${metric} in ${where} skipped: no value (null, e.g. labelled predictions of one class); ` +
        streakStays,
    );
  }
  const bar = barOf(valid, validationValue);
  if (bar === null) {
    return outcome(
      current,
      null,
      `${metric} ${formatMetric(window.value)} in ${where} skipped: no bar, as there is no ` +
        `threshold and champion ${championVersion} has no validation value; ${streakStays}`,
    );
  }
  const side = metricDirection(metric) === 'higher' ? 'below' : 'above';
  const barText = `${formatMetric(bar.value)} (${bar.source})`;
  // Worse than the bar by more than rounding: a value exactly at the bar is healthy.
  const degraded = improvement(metric, window.value, bar.value) < -FLOAT_TOLERANCE;
  if (!degraded) {
    const streakNote =
      current.streak > 0
        ? `streak of ${current.streak} reset to 0`
        : `streak stays at 0 of ${needed}`;
    return outcome(
      { ...current, streak: 0, degradedWindows: [] },
      false,
      `${metric} ${formatMetric(window.value)} in ${where} is not ${side} ${barText}: healthy; ` +
        streakNote,
    );
  }

  const streak = current.streak + 1;
  const degradedWindows = [
    ...current.degradedWindows,
    { windowStart: window.windowStart, value: window.value },
  ].slice(-needed);
  const lengthened: DegradationState = { ...current, streak, degradedWindows };
  if (streak < needed) {
    return outcome(
      lengthened,
      true,
      `${metric} ${formatMetric(window.value)} in ${where} is ${side} ${barText}: degraded, ` +
        `${streak} of ${needed} windows in a row`,
    );
  }
  const values = degradedWindows
    .map((degradedWindow) =>
      degradedWindow.value === null ? 'null' : formatMetric(degradedWindow.value),
    )
    .join(', ');
  const first = formatTime(degradedWindows[0]?.windowStart ?? window.windowStart);
  const span =
    streak === degradedWindows.length
      ? `${streak} windows in a row`
      : `the last ${degradedWindows.length} of ${streak} windows in a row`;
  const head =
    `${metric} ${values} in ${span} (from ${first} to ${formatTime(window.windowStart)}) ` +
    `${side} ${barText}`;
  if (current.retrainingInFlight) {
    return outcome(lengthened, true, `${head}: no retraining, one is already running`);
  }
  if (current.lastRetrainingAt !== null && now < current.lastRetrainingAt + valid.cooldownMs) {
    return outcome(
      lengthened,
      true,
      `${head}: no retraining, the cooldown after the retraining at ` +
        `${formatTime(current.lastRetrainingAt)} runs until ` +
        `${formatTime(current.lastRetrainingAt + valid.cooldownMs)}`,
    );
  }
  return outcome(
    { ...current, streak: 0, degradedWindows: [], lastRetrainingAt: now, retrainingInFlight: true },
    true,
    `${head}: retrain champion ${championVersion}`,
    true,
  );
};
