// A workflow of a known type by id, and what it says: its progress query while it runs, its
// result once completed, its failure otherwise.
import {
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { failureMessage } from '../../workflows/failureMessage.js';

export interface FoundWorkflow {
  handle: WorkflowHandle;
  description: WorkflowExecutionDescription;
}

export interface WorkflowOutcome<Progress, Result> {
  progress?: Progress;
  result?: Result;
  /** Why it did not complete; empty while it runs or once it completed. */
  failure: string;
}

/** The workflow of this id and type; null when there is none (or it is of another type). */
export const findWorkflow = async (
  client: Client,
  id: string,
  type: string,
): Promise<FoundWorkflow | null> => {
  const handle = client.workflow.getHandle(id);
  try {
    const description = await handle.describe();
    return description.type === type ? { handle, description } : null;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
};

export const workflowOutcome = async <Progress, Result>({
  handle,
  description,
}: FoundWorkflow): Promise<WorkflowOutcome<Progress, Result>> => {
  const state = description.status.name;
  if (state === 'RUNNING') {
    const progress = await handle.query<Progress>('progress').catch(() => undefined);
    return { progress, failure: '' };
  }
  if (state === 'COMPLETED') return { result: (await handle.result()) as Result, failure: '' };
  const failure = await handle.result().then(
    () => '',
    (error: unknown) => failureMessage(error),
  );
  return { failure: failure || `the workflow is ${state.toLowerCase()}` };
};
