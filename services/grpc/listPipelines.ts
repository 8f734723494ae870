// ListPipelines from Temporal's visibility: newest first, filtered by view (search attribute
// HindsightView) and status, paged with visibility's own page token.
import type { Client } from '@temporalio/client';
import { ValidationError } from '../../eventstore/index.js';
import {
  PipelineStatus,
  type ListPipelinesRequest,
  type ListPipelinesResponse,
  type Pipeline,
} from '../../gen/hindsight/v1/pipelines.js';
import { statusQueryName } from './pipelinesCodec.js';
import { VIEW_NAME } from '../../ml/names.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { keywordOf, millisOf } from '../temporalVisibility.js';

// temporal.api.enums.v1.WorkflowExecutionStatus, by number.
const STATUS_BY_NUMBER: PipelineStatus[] = [
  PipelineStatus.PIPELINE_STATUS_UNSPECIFIED,
  PipelineStatus.PIPELINE_STATUS_RUNNING,
  PipelineStatus.PIPELINE_STATUS_COMPLETED,
  PipelineStatus.PIPELINE_STATUS_FAILED,
  PipelineStatus.PIPELINE_STATUS_CANCELLED,
  PipelineStatus.PIPELINE_STATUS_TERMINATED,
  PipelineStatus.PIPELINE_STATUS_CONTINUED_AS_NEW,
  PipelineStatus.PIPELINE_STATUS_TIMED_OUT,
];

export const listPipelines = async (
  client: Client,
  namespace: string,
  { view, status, pageSize, pageToken }: ListPipelinesRequest,
): Promise<ListPipelinesResponse> => {
  if (view && !VIEW_NAME.test(view))
    throw new ValidationError('view', `'${view}' is not a view name`);
  if (pageSize > 1000) throw new ValidationError('page_size', 'must be at most 1000');
  const conditions = [`WorkflowType = '${WORKFLOW_TYPES.RetrainingPipeline}'`];
  if (view) conditions.push(`HindsightView = '${view}'`);
  const statusName = statusQueryName(status);
  if (statusName) conditions.push(`ExecutionStatus = '${statusName}'`);
  const response = await client.workflowService.listWorkflowExecutions({
    namespace,
    pageSize: pageSize || 50,
    nextPageToken: pageToken.length > 0 ? pageToken : undefined,
    // Visibility lists the newest first (the dev server's SQLite store takes no ORDER BY).
    query: conditions.join(' AND '),
  });
  const pipelines = (response.executions ?? []).map((execution): Pipeline => ({
    pipelineId: execution.execution?.workflowId ?? '',
    runId: execution.execution?.runId ?? '',
    status: STATUS_BY_NUMBER[execution.status ?? 0] ?? PipelineStatus.PIPELINE_STATUS_UNSPECIFIED,
    stage: keywordOf(execution.searchAttributes?.indexedFields?.HindsightStage ?? undefined),
    view: keywordOf(execution.searchAttributes?.indexedFields?.HindsightView ?? undefined),
    startedAtMs: millisOf(execution.startTime) ?? 0,
    closedAtMs: millisOf(execution.closeTime) ?? 0,
    percent: 0,
    progressJson: Buffer.alloc(0),
    resultJson: Buffer.alloc(0),
    failure: '',
  }));
  return {
    pipelines,
    nextPageToken: Buffer.from(response.nextPageToken ?? new Uint8Array()),
  };
};
