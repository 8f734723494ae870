// The retraining pipeline's input, checked in the workflow before anything runs (the trainers'
// hyperparameters and the rules are checked by the first activity, which knows them).
import { invalid } from './inputChecks.js';
import type { TrainerSpec } from '../activities/training/types.js';
import { MODEL_NAME, VIEW_NAME } from '../ml/names.js';

export interface PipelineInput {
  /** The feature view whose dataset the models learn from. */
  view: string;
  /** The registered model; the view's name by default. */
  modelName?: string;
  /** Trainers run in parallel on the same dataset; default one logistic regression. */
  trainers?: TrainerSpec[];
  /** Promotion rules (ml/promotion); defaults when omitted. */
  rules?: unknown;
  approval?: 'none' | 'required';
  approvalTimeoutMs?: number;
  /** The dataset's validation window, as DatasetWorkflow takes it; default 0.2. */
  validationFraction?: number;
  /** The dataset's test window, on which promotion decides; default 0.2 (0: none). */
  testFraction?: number;
  /** Sets aside rows whose outcome came in a later window; default true. */
  purge?: boolean;
  /** Predict 1 at or above it, for accuracy, precision and recall; default 0.5. */
  threshold?: number;
  /** Train even when the dataset is the one the newest version learnt from. */
  force?: boolean;
  /** Events per dataset batch (see DatasetWorkflow). */
  eventsPerBatch?: number;
}

export type PipelineRequest = Required<
  Omit<PipelineInput, 'eventsPerBatch' | 'approvalTimeoutMs'>
> &
  Pick<PipelineInput, 'eventsPerBatch' | 'approvalTimeoutMs'>;

const KNOWN = new Set([
  'view',
  'modelName',
  'trainers',
  'rules',
  'approval',
  'approvalTimeoutMs',
  'validationFraction',
  'testFraction',
  'purge',
  'threshold',
  'force',
  'eventsPerBatch',
]);

export const parsePipelineInput = (raw: unknown): PipelineRequest => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('input', 'must be an object such as { "view": "work_order_overrun" }');
  }
  const input = raw as Record<string, unknown>;
  const unknown = Object.keys(input).find((key) => !KNOWN.has(key));
  if (unknown) throw invalid(unknown, 'is not an input of the pipeline');
  const { view, modelName = view, trainers = [{ name: 'logistic_regression' }] } = input;
  if (typeof view !== 'string' || !VIEW_NAME.test(view)) {
    throw invalid('view', `${JSON.stringify(view)} is not a feature view name (snake case)`);
  }
  if (typeof modelName !== 'string' || !MODEL_NAME.test(modelName)) {
    throw invalid('modelName', `${JSON.stringify(modelName)} is not a model name`);
  }
  if (!Array.isArray(trainers) || trainers.length === 0 || trainers.length > 8) {
    throw invalid('trainers', 'must list 1 to 8 trainers, e.g. [{ "name": "random_forest" }]');
  }
  trainers.forEach((spec: unknown, i) => {
    if (
      typeof spec !== 'object' ||
      spec === null ||
      typeof (spec as TrainerSpec).name !== 'string'
    ) {
      throw invalid(`trainers[${i}]`, 'must be { name, params?, seed? }');
    }
  });
  const approval = input.approval ?? 'none';
  if (approval !== 'none' && approval !== 'required') {
    throw invalid('approval', `must be 'none' or 'required', not ${JSON.stringify(approval)}`);
  }
  const validationFraction = input.validationFraction ?? 0.2;
  if (
    typeof validationFraction !== 'number' ||
    !(validationFraction > 0 && validationFraction < 1)
  ) {
    throw invalid('validationFraction', 'must be between 0 and 1 (exclusive)');
  }
  const testFraction = input.testFraction ?? 0.2;
  if (typeof testFraction !== 'number' || !(testFraction >= 0 && testFraction < 1)) {
    throw invalid('testFraction', 'must be at least 0 and below 1');
  }
  if (!(validationFraction + testFraction < 1)) {
    throw invalid(
      'testFraction',
      `with validationFraction ${validationFraction} it leaves no rows to train on: the two ` +
        'must add up to less than 1',
    );
  }
  if (testFraction === 0 && trainers.length > 1) {
    throw invalid(
      'testFraction',
      `is 0 with ${trainers.length} trainers: the validation rows would both select the best ` +
        'and decide its promotion, which favours a lucky one; give a test window or one trainer',
    );
  }
  const purge = input.purge ?? true;
  if (typeof purge !== 'boolean') throw invalid('purge', 'must be true or false');
  const threshold = input.threshold ?? 0.5;
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1)) {
    throw invalid('threshold', 'must be between 0 and 1');
  }
  const force = input.force ?? false;
  if (typeof force !== 'boolean') throw invalid('force', 'must be true or false');
  return {
    view,
    modelName,
    trainers: trainers as TrainerSpec[],
    rules: input.rules ?? {},
    approval,
    approvalTimeoutMs: input.approvalTimeoutMs as number | undefined,
    validationFraction,
    testFraction,
    purge,
    threshold,
    force,
    eventsPerBatch: input.eventsPerBatch as number | undefined,
  };
};
