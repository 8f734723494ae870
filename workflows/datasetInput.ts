// The dataset workflow's input, checked before anything runs: a malformed request fails the
// workflow at once with a message naming the field, and nothing is written.
import { invalid, integerIn } from './inputChecks.js';
import { VIEW_NAME } from '../ml/names.js';

export interface DatasetWorkflowInput {
  /** The feature view's name, e.g. `work_order_overrun`. */
  view: string;
  /** A cut (a transaction id, as a number or decimal text) to reproduce; none for a new cut. */
  cut?: number | string | null;
  /**
   * The share of the usable rows (labelled and mature) in the validation window, which comes
   * after the train window in commit order; default 0.2.
   */
  validationFraction?: number;
  /** The share in the test window, after the validation window; default 0.2, 0 for none. */
  testFraction?: number;
  /** Marks rows whose outcome arrived in a later window `purged`; default true. */
  purge?: boolean;
  /**
   * Builds on the view's state stored with the latest earlier dataset of the same code at or
   * below the cut, reading only the events after it (same digest as a full replay). Default true.
   */
  incremental?: boolean;
  /** Events per batch; a crash redoes at most the unfinished batch. Default 100 000. */
  eventsPerBatch?: number;
  /** Events per read from PostgreSQL; default 5000. */
  pageSize?: number;
  /** How long a silent batch activity counts as alive; default 60 s. */
  heartbeatTimeoutMs?: number;
  /** Attempts of each activity before the workflow gives up; default 10. */
  activityAttempts?: number;
  /**
   * The retraining pipeline the dataset is made for (set by the pipeline): its MLflow run nests
   * under the pipeline's and carries its workflow id.
   */
  pipeline?: { workflowId: string; runId: string } | null;
}

export type DatasetRequest = Required<Omit<DatasetWorkflowInput, 'cut' | 'pipeline'>> & {
  cut: number | null;
  pipeline: { workflowId: string; runId: string } | null;
};

const parsePipeline = (value: unknown): DatasetRequest['pipeline'] => {
  if (value === undefined || value === null) return null;
  const { workflowId, runId, ...rest } = (value ?? {}) as Record<string, unknown>;
  if (
    typeof value !== 'object' ||
    Array.isArray(value) ||
    typeof workflowId !== 'string' ||
    workflowId === '' ||
    typeof runId !== 'string' ||
    !/^[0-9a-f]{32}$/.test(runId) ||
    Object.keys(rest).length > 0
  ) {
    throw invalid(
      'pipeline',
      'must be { workflowId, runId } (a workflow id and an MLflow run id of 32 hex digits)',
    );
  }
  return { workflowId, runId };
};

const parseCut = (value: unknown): number | null => {
  if (value === undefined || value === null) return null;
  const number =
    typeof value === 'string' && /^[0-9]{1,16}$/.test(value)
      ? Number(value)
      : typeof value === 'number'
        ? value
        : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1) {
    throw invalid(
      'cut',
      `${JSON.stringify(value)} is not a cut: give a transaction id (a positive integer, as ` +
        'returned by Cut), or none to take a new cut',
    );
  }
  return number;
};

export const parseDatasetInput = (raw: unknown): DatasetRequest => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('input', 'must be an object such as { "view": "work_order_overrun" }');
  }
  const input = raw as Record<string, unknown>;
  const known = new Set([
    'view',
    'cut',
    'validationFraction',
    'testFraction',
    'purge',
    'incremental',
    'eventsPerBatch',
    'pageSize',
    'heartbeatTimeoutMs',
    'activityAttempts',
    'pipeline',
  ]);
  const unknown = Object.keys(input).filter((key) => !known.has(key));
  if (unknown.length > 0) throw invalid(unknown[0] as string, 'is not an input of the workflow');
  const {
    view,
    validationFraction = 0.2,
    testFraction = 0.2,
    purge = true,
    incremental = true,
  } = input;
  if (typeof view !== 'string' || !VIEW_NAME.test(view)) {
    throw invalid('view', `${JSON.stringify(view)} is not a feature view name (snake case)`);
  }
  if (
    typeof validationFraction !== 'number' ||
    !(validationFraction > 0 && validationFraction < 1)
  ) {
    throw invalid(
      'validationFraction',
      `must be between 0 and 1 (exclusive), not ${JSON.stringify(validationFraction)}`,
    );
  }
  if (typeof testFraction !== 'number' || !(testFraction >= 0 && testFraction < 1)) {
    throw invalid(
      'testFraction',
      `must be at least 0 and below 1, not ${JSON.stringify(testFraction)}`,
    );
  }
  if (!(validationFraction + testFraction < 1)) {
    throw invalid(
      'testFraction',
      `with validationFraction ${validationFraction} it leaves no rows to train on: the two ` +
        'must add up to less than 1',
    );
  }
  if (typeof purge !== 'boolean') throw invalid('purge', 'must be true or false');
  if (typeof incremental !== 'boolean') throw invalid('incremental', 'must be true or false');
  return {
    view,
    incremental,
    cut: parseCut(input.cut),
    pipeline: parsePipeline(input.pipeline),
    validationFraction,
    testFraction,
    purge,
    eventsPerBatch: integerIn(input, 'eventsPerBatch', 100_000, 1, 10_000_000),
    pageSize: integerIn(input, 'pageSize', 5000, 1, 100_000),
    heartbeatTimeoutMs: integerIn(input, 'heartbeatTimeoutMs', 60_000, 1000, 3_600_000),
    activityAttempts: integerIn(input, 'activityAttempts', 10, 1, 1000),
  };
};
