// A workflow of a known type by id, and what it says: its progress query while it runs, its
// result once completed, its failure otherwise.
import {
  WorkflowNotFoundError,
  type Client,
  type QueryDefinition,
  type Workflow,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  type WorkflowResultType,
} from '@temporalio/client';
import { failureMessage } from '../../workflows/failureMessage.js';
import type { WorkflowType } from '../../workflows/workflowTypes.js';

export interface FoundWorkflow<W extends Workflow> {
  handle: WorkflowHandle<W>;
  description: WorkflowExecutionDescription;
}

export interface WorkflowOutcome<Progress, Result> {
  progress?: Progress;
  result?: Result;
  /** Why it did not complete; empty while it runs or once it completed. */
  failure: string;
}

/** The workflow of this id and type; null when there is none (or it is of another type). */
export const findWorkflow = async <W extends Workflow>(
  client: Client,
  id: string,
  type: WorkflowType,
): Promise<FoundWorkflow<W> | null> => {
  const handle = client.workflow.getHandle<W>(id);
  try {
    const description = await handle.describe();
    return description.type === type ? { handle, description } : null;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
};

export const workflowOutcome = async <W extends Workflow, Progress>(
  { handle, description }: FoundWorkflow<W>,
  progressQuery: QueryDefinition<Progress>,
): Promise<WorkflowOutcome<Progress, WorkflowResultType<W>>> => {
  const state = description.status.name;
  if (state === 'RUNNING') {
    const progress = await handle.query(progressQuery).catch(() => undefined);
    return { progress, failure: '' };
  }
  if (state === 'COMPLETED') return { result: await handle.result(), failure: '' };
  const failure = await handle.result().then(
    () => '',
    (error: unknown) => failureMessage(error),
  );
  return { failure: failure || `the workflow is ${state.toLowerCase()}` };
};
