// LiveEvaluationWorkflow's input, checked before anything runs; a malformed field fails the
// workflow at once, naming it. The degradation policy is checked by `parseDegradationPolicy`.
import {
  parseDegradationPolicy,
  type DegradationPolicy,
} from '../ml/monitoring/degradationPolicy.js';
import { isInvalidArgument } from '../platform/errors.js';
import { integerIn, invalid } from './inputChecks.js';
import type { PipelineInput } from './pipelineInput.js';
import { MODEL_NAME, VIEW_NAME } from '../ml/names.js';

export interface LiveEvaluationInput {
  modelName: string;
  /** The feature view whose labels are the outcomes (the champion's view). */
  view: string;
  /** Names the evaluation's rows; default the model's name. */
  name?: string;
  /** Predictions are evaluated in windows of this length (by their time); default 1 h. */
  windowMs?: number;
  /** An outcome later than this after its prediction does not count; default 24 h. */
  labelHorizonMs?: number;
  /** Waited beyond a window's close for commits still in flight; default 10 s. */
  graceMs?: number;
  /** How often the log is read again once caught up; default 10 s. */
  pollMs?: number;
  /** Events read per activity at most (each call is a checkpoint); default 50,000. */
  eventsPerAdvance?: number;
  /** When to retrain (see ml/monitoring/degradationPolicy.ts); null never retrains. */
  policy?: unknown;
  /** The retraining pipeline's input besides view and model; default its defaults. */
  retraining?: Omit<PipelineInput, 'view' | 'modelName'>;
}

export interface LiveEvaluationRequest {
  modelName: string;
  view: string;
  name: string;
  windowMs: number;
  labelHorizonMs: number;
  graceMs: number;
  pollMs: number;
  eventsPerAdvance: number;
  policy: DegradationPolicy | null;
  retraining: Omit<PipelineInput, 'view' | 'modelName'>;
}

/** The figures of a window that a policy may watch. */
export const LIVE_POLICY_METRICS = ['rocAuc', 'prAuc', 'logLoss', 'brier', 'ece'] as const;

const KNOWN = new Set([
  'modelName',
  'view',
  'name',
  'windowMs',
  'labelHorizonMs',
  'graceMs',
  'pollMs',
  'eventsPerAdvance',
  'policy',
  'retraining',
]);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const parseLiveEvaluationInput = (raw: unknown): LiveEvaluationRequest => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('input', 'must be an object such as { "modelName": "m", "view": "v" }');
  }
  const input = raw as Record<string, unknown>;
  const unknown = Object.keys(input).find((key) => !KNOWN.has(key));
  if (unknown) throw invalid(unknown, 'is not an input of the live evaluation');
  const { modelName, view, name = modelName, retraining = {} } = input;
  if (typeof modelName !== 'string' || !MODEL_NAME.test(modelName)) {
    throw invalid('modelName', `${JSON.stringify(modelName)} is not a model name`);
  }
  if (typeof view !== 'string' || !VIEW_NAME.test(view)) {
    throw invalid('view', `${JSON.stringify(view)} is not a feature view name (snake case)`);
  }
  if (typeof name !== 'string' || !MODEL_NAME.test(name)) {
    throw invalid('name', `${JSON.stringify(name)} is not a name (letters, digits, _ . -)`);
  }
  if (typeof retraining !== 'object' || retraining === null || Array.isArray(retraining)) {
    throw invalid('retraining', 'must be an object: the pipeline input besides view and model');
  }
  for (const key of ['view', 'modelName']) {
    if (Object.hasOwn(retraining, key)) {
      throw invalid(`retraining.${key}`, 'is the live evaluation own; leave it out');
    }
  }
  let policy: DegradationPolicy | null = null;
  if (input.policy !== null) {
    try {
      policy = parseDegradationPolicy(input.policy ?? { maxDropFromValidation: 0.05 });
    } catch (error) {
      if (isInvalidArgument(error)) throw invalid('policy', error.message);
      throw error;
    }
    if (!(LIVE_POLICY_METRICS as readonly string[]).includes(policy.metric)) {
      throw invalid(
        'policy.metric',
        `'${policy.metric}' is not a live figure; use one of ${LIVE_POLICY_METRICS.join(', ')}`,
      );
    }
  }
  return {
    modelName,
    view,
    name,
    windowMs: integerIn(input, 'windowMs', HOUR, 1000, 7 * DAY),
    labelHorizonMs: integerIn(input, 'labelHorizonMs', DAY, 0, 365 * DAY),
    graceMs: integerIn(input, 'graceMs', 10_000, 0, HOUR),
    pollMs: integerIn(input, 'pollMs', 10_000, 100, HOUR),
    eventsPerAdvance: integerIn(input, 'eventsPerAdvance', 50_000, 1, 1_000_000),
    policy,
    retraining: retraining,
  };
};
