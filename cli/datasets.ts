// Runs DatasetWorkflow from the CLI: starts it, shows its progress query as a bar, returns the
// result. Shared by `hindsight datasets generate` and `hindsight demo`.
import { ApplicationFailure, type Client, WorkflowFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { DatasetWorkflowInput } from '../workflows/datasetInput.js';
import type {
  DatasetProgress,
  DatasetWorkflow,
  DatasetWorkflowResult,
} from '../workflows/datasetWorkflow.js';
import { datasetProgressQuery } from '../workflows/messages.js';
import { WORKFLOW_TYPES } from '../workflows/workflowTypes.js';
import { UsageError } from './errors.js';
import { createProgressBar } from './progressBar.js';

const POLL_MS = 250;

export const datasetWorkflowId = (view: string): string => `dataset-${view}-${randomUUID()}`;

const detailOf = (progress: DatasetProgress): string => {
  const total = progress.events.total;
  const events = `${progress.events.read.toLocaleString('en')}${total === null ? '' : `/${total.toLocaleString('en')}`} events`;
  const base = progress.base ? `  on cut ${progress.base.cut}` : '';
  return `${progress.stage}  ${events}  ${progress.rows.toLocaleString('en')} rows  batch ${progress.batches}${base}`;
};

/** Failures that are the request's fault: the CLI exits 2 for them. */
const REQUEST_FAILURES = new Set(['INVALID_ARGUMENT', 'UNKNOWN_FEATURE_VIEW', 'CUT_IN_FUTURE']);

/** The workflow failure as the CLI reports it: the ApplicationFailure's own message. */
export const workflowFailure = (error: unknown): Error => {
  let cause: unknown = error;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) {
    cause = cause.cause;
  }
  if (cause instanceof ApplicationFailure && REQUEST_FAILURES.has(cause.type ?? '')) {
    return new UsageError(cause.message);
  }
  return new Error(cause instanceof Error ? cause.message : String(error));
};

export const runDataset = async (
  client: Client,
  taskQueue: string,
  input: DatasetWorkflowInput,
  { progress = true, workflowId = datasetWorkflowId(input.view) } = {},
): Promise<DatasetWorkflowResult> => {
  const handle = await client.workflow.start<typeof DatasetWorkflow>(
    WORKFLOW_TYPES.DatasetWorkflow,
    {
      taskQueue,
      workflowId,
      args: [input],
    },
  );
  const bar = progress ? createProgressBar(`dataset ${input.view}`) : undefined;
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  });
  result.catch(() => undefined);
  while (!finished && bar) {
    const state = await handle.query(datasetProgressQuery).catch(() => undefined);
    if (state) bar.update(state.percent / 100, detailOf(state));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    const done = await result;
    bar?.done(
      `dataset ${input.view}: ${done.manifest.rows} rows, digest ${done.digest.slice(0, 16)}…`,
    );
    return done;
  } catch (error) {
    bar?.done(`dataset ${input.view}: failed`);
    if (error instanceof WorkflowFailedError) throw workflowFailure(error);
    throw error;
  }
};
