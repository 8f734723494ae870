// Unit tests of the degradation policy: parsing it from user JSON, and the streak of degraded
// windows that starts a retraining — counted, reset, skipped, throttled and direction-aware.
import { describe, expect, it } from 'vitest';
import {
  initialDegradationState,
  observeWindow,
  parseDegradationPolicy,
  retrainingFinished,
} from '../../ml/monitoring/degradationPolicy.js';
import type {
  DegradationDecision,
  DegradationPolicy,
  DegradationState,
} from '../../ml/monitoring/degradationPolicy.js';
import { expectInvalid } from '../support/classifier.js';

const KNOWN = 'rocAuc, prAuc, accuracy, precision, recall, f1, logLoss, brier, ece';
const KEYS = 'metric, threshold, maxDropFromValidation, windowsInARow, minLabelled, cooldownMs';
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

/** One hourly window: starts at T0 + `hour` h, judged an hour after it ends. */
interface Step {
  value: number | null;
  labelled?: number;
  champion?: string;
  validation?: number | null;
  /** Call `retrainingFinished` after this step. */
  finish?: boolean;
}

const run = (
  policy: DegradationPolicy,
  steps: readonly Step[],
  from: { state?: DegradationState; hour?: number } = {},
) => {
  let state = from.state ?? initialDegradationState();
  const decisions: DegradationDecision[] = [];
  const states: DegradationState[] = [];
  steps.forEach((step, index) => {
    const hour = (from.hour ?? 0) + index;
    const result = observeWindow(policy, state, {
      championVersion: step.champion ?? '3',
      validationValue: step.validation === undefined ? 0.8 : step.validation,
      window: { windowStart: T0 + hour * HOUR, labelled: step.labelled ?? 200, value: step.value },
      now: T0 + (hour + 2) * HOUR,
    });
    state =
      step.finish && result.decision.retrain ? retrainingFinished(result.state) : result.state;
    decisions.push(result.decision);
    states.push(state);
  });
  return { state, decisions, states };
};

const values = (...list: (number | null)[]): Step[] => list.map((value) => ({ value }));

const retrainsAt = (decisions: readonly DegradationDecision[]): number[] =>
  decisions.flatMap((decision, index) => (decision.retrain ? [index] : []));

const byThreshold = parseDegradationPolicy({ threshold: 0.65 });

describe('parseDegradationPolicy', () => {
  it('fills the defaults and keeps only the bars given', () => {
    const defaults = { metric: 'rocAuc', windowsInARow: 3, minLabelled: 50, cooldownMs: 6 * HOUR };
    expect(parseDegradationPolicy({ threshold: 0.65 })).toStrictEqual({
      ...defaults,
      threshold: 0.65,
    });
    expect(
      parseDegradationPolicy({ threshold: undefined, maxDropFromValidation: 0.05 }),
    ).toStrictEqual({ ...defaults, maxDropFromValidation: 0.05 });
    expect(
      parseDegradationPolicy({
        metric: 'logLoss',
        threshold: 0.9,
        maxDropFromValidation: 0,
        windowsInARow: 1,
        minLabelled: 1,
        cooldownMs: 0,
      }),
    ).toStrictEqual({
      metric: 'logLoss',
      threshold: 0.9,
      maxDropFromValidation: 0,
      windowsInARow: 1,
      minLabelled: 1,
      cooldownMs: 0,
    });
    // Log loss is unbounded, so a bar above 1 is a real bar.
    expect(parseDegradationPolicy({ metric: 'logLoss', threshold: 1.2 }).threshold).toBe(1.2);
  });

  const P = 'invalid degradation policy: ';
  it.each<[string, unknown, string]>([
    ['nothing', undefined, `${P}threshold, maxDropFromValidation: at least one is required`],
    [
      'no bar',
      { metric: 'brier' },
      `${P}threshold, maxDropFromValidation: at least one is required`,
    ],
    ['null', null, `${P}must be an object, not null`],
    ['an array', [0.65], `${P}must be an object, not an array`],
    ['a number', 0.65, `${P}must be an object, not 0.65`],
    ['an unknown key', { threshold: 0.65, windows: 3 }, `${P}windows: unknown key; known: ${KEYS}`],
    [
      'an unknown metric',
      { metric: 'auc', threshold: 0.6 },
      `${P}metric: unknown metric 'auc'; known: ${KNOWN}`,
    ],
    [
      'a metric that is no string',
      { metric: 1, threshold: 0.6 },
      `${P}metric: must be a metric name, not 1`,
    ],
    [
      'a negative threshold',
      { threshold: -0.1 },
      `${P}threshold: must be a finite number ≥ 0, not -0.1`,
    ],
    [
      'a string threshold',
      { threshold: '0.65' },
      `${P}threshold: must be a finite number ≥ 0, not the string "0.65"`,
    ],
    [
      'a percentage for a bounded metric',
      { threshold: 65 },
      `${P}threshold: rocAuc lies in [0, 1], so a bar of 65 is out of reach`,
    ],
    [
      'a NaN drop',
      { maxDropFromValidation: NaN },
      `${P}maxDropFromValidation: must be a finite number ≥ 0, not NaN`,
    ],
    [
      'a null drop',
      { maxDropFromValidation: null },
      `${P}maxDropFromValidation: must be a finite number ≥ 0, not null`,
    ],
    [
      'zero windows in a row',
      { threshold: 0.6, windowsInARow: 0 },
      `${P}windowsInARow: must be a whole number ≥ 1, not 0`,
    ],
    [
      'fractional windows in a row',
      { threshold: 0.6, windowsInARow: 2.5 },
      `${P}windowsInARow: must be a whole number ≥ 1, not 2.5`,
    ],
    [
      'zero labelled',
      { threshold: 0.6, minLabelled: 0 },
      `${P}minLabelled: must be a whole number ≥ 1, not 0`,
    ],
    [
      'a negative cooldown',
      { threshold: 0.6, cooldownMs: -1 },
      `${P}cooldownMs: must be a whole number ≥ 0, not -1`,
    ],
    [
      'a boolean cooldown',
      { threshold: 0.6, cooldownMs: true },
      `${P}cooldownMs: must be a whole number ≥ 0, not a boolean`,
    ],
    [
      'several problems at once, each named',
      { metric: 'AUC', threshold: -1, minLabelled: '50', extra: 1 },
      `${P}extra: unknown key; known: ${KEYS}; metric: unknown metric 'AUC'; known: ${KNOWN}; ` +
        `threshold: must be a finite number ≥ 0, not -1; ` +
        `minLabelled: must be a whole number ≥ 1, not the string "50"`,
    ],
  ])('refuses %s', (_case, input, message) => {
    expectInvalid(() => parseDegradationPolicy(input), message);
  });

  it('checks a policy built in code as well', () => {
    expectInvalid(
      () =>
        observeWindow({ ...byThreshold, windowsInARow: 0 }, initialDegradationState(), {
          championVersion: '3',
          validationValue: null,
          window: { windowStart: T0, labelled: 100, value: 0.6 },
          now: T0,
        }),
      `${P}windowsInARow: must be a whole number ≥ 1, not 0`,
    );
  });
});

describe('observeWindow: the streak', () => {
  it('retrains on the third degraded window in a row, naming values, bar and windows', () => {
    const { decisions, states, state } = run(byThreshold, values(0.61, 0.58, 0.6));
    expect(decisions.map((decision) => decision.degraded)).toEqual([true, true, true]);
    expect(retrainsAt(decisions)).toEqual([2]);
    expect(decisions[0]?.reason).toBe(
      `rocAuc 0.6100 in the window from ${at(0)} is below 0.6500 (threshold): degraded, 1 of 3 windows in a row`,
    );
    expect(states[1]).toEqual({
      championVersion: '3',
      streak: 2,
      degradedWindows: [
        { windowStart: T0, value: 0.61 },
        { windowStart: T0 + HOUR, value: 0.58 },
      ],
      lastRetrainingAt: null,
      retrainingInFlight: false,
    });
    expect(decisions[2]?.reason).toBe(
      `rocAuc 0.6100, 0.5800, 0.6000 in 3 windows in a row (from ${at(0)} to ${at(2)}) ` +
        `below 0.6500 (threshold): retrain champion 3`,
    );
    expect(state).toEqual({
      championVersion: '3',
      streak: 0,
      degradedWindows: [],
      lastRetrainingAt: T0 + 4 * HOUR,
      retrainingInFlight: true,
    });
  });

  it('resets the streak on a healthy window; a value at the bar is healthy', () => {
    const { decisions, states } = run(byThreshold, values(0.61, 0.58, 0.65, 0.6, 0.6, 0.7, 0.6));
    expect(decisions.map((decision) => decision.degraded)).toEqual([
      true,
      true,
      false,
      true,
      true,
      false,
      true,
    ]);
    expect(retrainsAt(decisions)).toEqual([]);
    expect(states.map((state) => state.streak)).toEqual([1, 2, 0, 1, 2, 0, 1]);
    expect(decisions[2]?.reason).toBe(
      `rocAuc 0.6500 in the window from ${at(2)} is not below 0.6500 (threshold): healthy; streak of 2 reset to 0`,
    );
    expect(decisions[5]?.reason).toMatch(/healthy; streak of 2 reset to 0$/);
    expect(run(byThreshold, values(0.9)).decisions[0]?.reason).toMatch(
      /healthy; streak stays at 0 of 3$/,
    );
  });

  it('resets the streak when the champion changes', () => {
    const { decisions, states } = run(byThreshold, [
      { value: 0.61 },
      { value: 0.58 },
      { value: 0.6, champion: '4' },
      { value: 0.6, champion: '4' },
      { value: 0.6, champion: '4' },
    ]);
    expect(states.map((state) => state.streak)).toEqual([1, 2, 1, 2, 0]);
    expect(retrainsAt(decisions)).toEqual([4]);
    expect(states[2]?.championVersion).toBe('4');
    expect(states[2]?.degradedWindows).toEqual([{ windowStart: T0 + 2 * HOUR, value: 0.6 }]);
    expect(decisions[2]?.reason).toBe(
      `champion changed from 3 to 4, streak reset; rocAuc 0.6000 in the window from ${at(2)} ` +
        `is below 0.6500 (threshold): degraded, 1 of 3 windows in a row`,
    );
    expect(decisions[4]?.reason).toMatch(/: retrain champion 4$/);
    // The first window seen is no change of champion.
    expect(decisions[0]?.reason).not.toMatch(/champion changed/);
  });

  it('skips windows with too few labels or no value, without breaking the streak', () => {
    const { decisions, states } = run(byThreshold, [
      { value: 0.61 },
      { value: 0.9, labelled: 49 },
      { value: 0.58 },
      { value: null },
      { value: 0.6, labelled: 50 },
    ]);
    expect(decisions.map((decision) => decision.degraded)).toEqual([true, null, true, null, true]);
    expect(states.map((state) => state.streak)).toEqual([1, 1, 2, 2, 0]);
    expect(retrainsAt(decisions)).toEqual([4]);
    expect(decisions[1]?.reason).toBe(
      `rocAuc in the window from ${at(1)} skipped: 49 labelled predictions, fewer than the 50 required; streak stays at 1 of 3`,
    );
    expect(decisions[3]?.reason).toBe(
      `rocAuc in the window from ${at(3)} skipped: no value (null, e.g. labelled predictions of one class); streak stays at 2 of 3`,
    );
    expect(decisions[4]?.reason).toBe(
      `rocAuc 0.6100, 0.5800, 0.6000 in 3 windows in a row (from ${at(0)} to ${at(4)}) ` +
        `below 0.6500 (threshold): retrain champion 3`,
    );
  });

  it('refuses a window seen twice, which would lengthen the streak without new evidence', () => {
    const first = run(byThreshold, values(0.6));
    expectInvalid(
      () => run(byThreshold, values(0.6), { state: first.state }),
      `window.windowStart ${at(0)} is not after the streak's last window ${at(0)}: ` +
        'each window must be observed once, in order',
    );
    // A later window is fine.
    expect(run(byThreshold, values(0.6), { state: first.state, hour: 1 }).state.streak).toBe(2);
  });

  it('returns new states and leaves the one given untouched', () => {
    const state = Object.freeze({
      ...initialDegradationState(),
      championVersion: '3',
      streak: 2,
      degradedWindows: Object.freeze([
        Object.freeze({ windowStart: T0, value: 0.6 }),
        Object.freeze({ windowStart: T0 + HOUR, value: 0.6 }),
      ]) as DegradationState['degradedWindows'],
    });
    const before = structuredClone(state);
    const next = run(byThreshold, values(0.6), { state, hour: 2 });
    expect(next.decisions[0]?.retrain).toBe(true);
    expect(state).toEqual(before);
    expect(initialDegradationState()).not.toBe(initialDegradationState());
  });
});

describe('observeWindow: at most one retraining at a time', () => {
  it('retrains once within the cooldown, however many degraded windows follow', () => {
    // Retrainings finish at once, so only the 6 h cooldown holds the next one back.
    const steps: Step[] = Array.from({ length: 30 }, () => ({ value: 0.6, finish: true }));
    const { decisions } = run(byThreshold, steps);
    // The first at hour 2 (judged at 4 h); then not before 4 h + 6 h = the window of hour 8.
    expect(retrainsAt(decisions.slice(0, 8))).toEqual([2]);
    expect(retrainsAt(decisions)).toEqual([2, 8, 14, 20, 26]);
    expect(decisions.every((decision) => decision.degraded === true)).toBe(true);
    expect(decisions[5]?.reason).toBe(
      `rocAuc 0.6000, 0.6000, 0.6000 in 3 windows in a row (from ${at(3)} to ${at(5)}) ` +
        `below 0.6500 (threshold): no retraining, the cooldown after the retraining at ` +
        `${at(4)} runs until ${at(10)}`,
    );
    expect(decisions[7]?.reason).toMatch(
      new RegExp(
        `^rocAuc 0\\.6000, 0\\.6000, 0\\.6000 in the last 3 of 5 windows in a row \\(from ${at(5)} to ${at(7)}\\)`,
      ),
    );
  });

  it('retrains at the end of the cooldown exactly', () => {
    const policy = { ...byThreshold, cooldownMs: HOUR };
    const start = { ...initialDegradationState(), championVersion: '3', streak: 2 };
    const judge = (lastRetrainingAt: number) =>
      observeWindow(
        policy,
        { ...start, lastRetrainingAt },
        {
          championVersion: '3',
          validationValue: null,
          window: { windowStart: T0, labelled: 100, value: 0.5 },
          now: T0 + 10 * HOUR,
        },
      ).decision.retrain;
    expect(judge(T0 + 9 * HOUR)).toBe(true);
    expect(judge(T0 + 9 * HOUR + 1)).toBe(false);
  });

  it('never starts a second retraining while one is running', () => {
    const policy = { ...byThreshold, cooldownMs: 0 };
    const { decisions, state } = run(policy, values(...Array<number>(10).fill(0.5)));
    expect(retrainsAt(decisions)).toEqual([2]);
    expect(decisions[9]?.reason).toMatch(/: no retraining, one is already running$/);
    expect(state).toMatchObject({ streak: 7, retrainingInFlight: true });
    expect(state.degradedWindows.map((window) => window.windowStart)).toEqual([
      T0 + 7 * HOUR,
      T0 + 8 * HOUR,
      T0 + 9 * HOUR,
    ]);
    // Once it has finished, the streak already long enough retrains on the next bad window.
    const finished = retrainingFinished(state);
    expect(finished).toEqual({ ...state, retrainingInFlight: false });
    const after = run(policy, values(0.5), { state: finished, hour: 10 });
    expect(after.decisions[0]?.retrain).toBe(true);
    expect(after.state.lastRetrainingAt).toBe(T0 + 12 * HOUR);
  });
});

describe('observeWindow: bars', () => {
  it('reads a lower-is-better metric the other way round', () => {
    const policy = parseDegradationPolicy({ metric: 'logLoss', threshold: 0.5 });
    const { decisions } = run(policy, values(0.55, 0.45, 0.62, 0.5, 0.55, 0.62, 0.51));
    expect(decisions.map((decision) => decision.degraded)).toEqual([
      true,
      false,
      true,
      false,
      true,
      true,
      true,
    ]);
    expect(retrainsAt(decisions)).toEqual([6]);
    expect(decisions[1]?.reason).toBe(
      `logLoss 0.4500 in the window from ${at(1)} is not above 0.5000 (threshold): healthy; streak of 1 reset to 0`,
    );
    expect(decisions[6]?.reason).toBe(
      `logLoss 0.5500, 0.6200, 0.5100 in 3 windows in a row (from ${at(4)} to ${at(6)}) ` +
        `above 0.5000 (threshold): retrain champion 3`,
    );
  });

  it('sets the bar below the champion’s validation figure by the allowed drop', () => {
    const policy = parseDegradationPolicy({ maxDropFromValidation: 0.05 });
    const { decisions } = run(policy, values(0.74, 0.76, 0.75, 0.7499));
    expect(decisions.map((decision) => decision.degraded)).toEqual([true, false, false, true]);
    expect(decisions[0]?.reason).toBe(
      `rocAuc 0.7400 in the window from ${at(0)} is below 0.7500 (validation 0.8000 − 0.0500): degraded, 1 of 3 windows in a row`,
    );
    const logLoss = parseDegradationPolicy({ metric: 'logLoss', maxDropFromValidation: 0.05 });
    const lower = run(logLoss, [
      { value: 0.46, validation: 0.4 },
      { value: 0.44, validation: 0.4 },
    ]);
    expect(lower.decisions.map((decision) => decision.degraded)).toEqual([true, false]);
    expect(lower.decisions[0]?.reason).toMatch(
      / is above 0\.4500 \(validation 0\.4000 \+ 0\.0500\)/,
    );
  });

  it('applies the stricter bar when both are given', () => {
    const policy = parseDegradationPolicy({ threshold: 0.7, maxDropFromValidation: 0.05 });
    // Validation 0.80: 0.75 is stricter than 0.70, so 0.72 is degraded.
    expect(run(policy, [{ value: 0.72, validation: 0.8 }]).decisions[0]?.reason).toMatch(
      /is below 0\.7500 \(validation 0\.8000 − 0\.0500\): degraded/,
    );
    // Validation 0.72: 0.67 is laxer than 0.70, so the threshold bites.
    expect(run(policy, [{ value: 0.68, validation: 0.72 }]).decisions[0]?.reason).toMatch(
      /is below 0\.7000 \(threshold\): degraded/,
    );
    // Without a validation figure, the threshold alone.
    expect(run(policy, [{ value: 0.72, validation: null }]).decisions[0]?.degraded).toBe(false);
  });

  it('skips a window with no bar: a drop from a validation figure the champion lacks', () => {
    const policy = parseDegradationPolicy({ maxDropFromValidation: 0.05 });
    const { decisions, state } = run(policy, [{ value: 0.5, validation: null }]);
    expect(decisions[0]).toEqual({
      retrain: false,
      degraded: null,
      reason:
        `rocAuc 0.5000 in the window from ${at(0)} skipped: no bar, as there is no threshold ` +
        'and champion 3 has no validation value; streak stays at 0 of 3',
    });
    expect(state.streak).toBe(0);
  });
});

describe('observeWindow refuses malformed input', () => {
  const input = {
    championVersion: '3',
    validationValue: 0.8,
    window: { windowStart: T0, labelled: 100, value: 0.6 },
    now: T0,
  };
  const observe = (overrides: object) =>
    observeWindow(byThreshold, initialDegradationState(), { ...input, ...overrides });

  it.each<[string, object, string]>([
    [
      'an empty champion',
      { championVersion: '' },
      'championVersion is the string "": it must be a non-empty string',
    ],
    [
      'a NaN value',
      { window: { ...input.window, value: NaN } },
      'window.value is NaN: it must be a finite number or null',
    ],
    [
      'a negative label count',
      { window: { ...input.window, labelled: -1 } },
      'window.labelled is -1: it must be a whole number ≥ 0',
    ],
    [
      'an infinite validation value',
      { validationValue: Infinity },
      'validationValue is Infinity: it must be a finite number or null',
    ],
    ['a fractional now', { now: 0.5 }, 'now is 0.5: it must be a whole number of milliseconds'],
  ])('refuses %s', (_case, overrides, message) => {
    expectInvalid(() => observe(overrides), message);
  });
});
