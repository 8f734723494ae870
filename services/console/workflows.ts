// Workflows: the list from Temporal's visibility (filters, visibility's own page token), a run's
// detail (history timeline, progress query, pending promotion), and approve/reject.
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type QueryDefinition,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import {
  approveUpdate,
  batchScoringProgressQuery,
  datasetProgressQuery,
  liveEvaluationStatusQuery,
  migrationProgressQuery,
  pipelineProgressQuery,
  promotionStatusQuery,
  rejectUpdate,
  snapshotProgressQuery,
  undoProgressQuery,
} from '../../workflows/messages.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import {
  WORKFLOW_STATUSES,
  WORKFLOW_TYPE_NAMES,
  type ReviewResponse,
  type WorkflowDetail,
  type WorkflowStatus,
  type WorkflowSummary,
  type Page,
} from './api.js';
import { temporalRunUrl, type ConsoleDeps } from './deps.js';
import { HttpError, badRequest } from './httpError.js';
import {
  enumParam,
  openPage,
  pageParam,
  pageSizeParam,
  sealPage,
  textParam,
  type Query,
} from './params.js';
import { temporalWithin } from './deadline.js';
import { readRunHistory } from './workflowHistory.js';
import { keywordOf, millisOf, visibilityStatusName } from '../temporalVisibility.js';

/** How long a detail page waits for a workflow's query (a worker answers in milliseconds). */
const QUERY_DEADLINE_MS = 800;

/**
 * A workflow's query, if a worker polls its task queue to answer it; null otherwise, or when it
 * does not answer in time — Temporal would keep the page waiting 30 s for a worker.
 */
const queryIfAnswered = async <T>(
  deps: ConsoleDeps,
  taskQueue: string,
  query: () => Promise<T>,
): Promise<T | null> => {
  try {
    if (!(await hasWorker(deps, taskQueue))) return null;
    return await temporalWithin(deps.temporal, QUERY_DEADLINE_MS, query);
  } catch {
    return null;
  }
};

/** Whether a workflow worker polls the task queue (queries and updates need one). */
const hasWorker = async (deps: ConsoleDeps, taskQueue: string): Promise<boolean> => {
  const queue = await temporalWithin(deps.temporal, QUERY_DEADLINE_MS, () =>
    deps.temporal.workflowService.describeTaskQueue({
      namespace: deps.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    }),
  );
  return (queue.pollers?.length ?? 0) > 0;
};

/** How long an approve or reject waits for the worker to take it. */
const UPDATE_DEADLINE_MS = 10_000;

const WORKFLOW_ID = /^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,399}$/;
const KEYWORD = /^[A-Za-z0-9_.:-]{1,200}$/;
const RUN_ID = /^[0-9a-f-]{36}$/;

// temporal.api.enums.v1.WorkflowExecutionStatus, by number.
const STATUS_BY_NUMBER: WorkflowStatus[] = ['UNKNOWN', ...WORKFLOW_STATUSES];

const keyword = (payload: { data?: Uint8Array | null } | null | undefined): string | null =>
  keywordOf(payload) || null;

export const checkWorkflowId = (id: string): string => {
  if (!WORKFLOW_ID.test(id)) throw badRequest('id', `'${id}' is not a workflow id`);
  return id;
};

interface ListedExecution {
  execution?: { workflowId?: string | null; runId?: string | null } | null;
  type?: { name?: string | null } | null;
  status?: number | null;
  startTime?: unknown;
  closeTime?: unknown;
  searchAttributes?: {
    indexedFields?: Record<string, { data?: Uint8Array | null } | null> | null;
  } | null;
}

const summaryOf = (deps: ConsoleDeps, execution: ListedExecution): WorkflowSummary => {
  const workflowId = execution.execution?.workflowId ?? '';
  const runId = execution.execution?.runId ?? '';
  const fields = execution.searchAttributes?.indexedFields ?? {};
  return {
    workflowId,
    runId,
    type: execution.type?.name ?? '',
    status: STATUS_BY_NUMBER[execution.status ?? 0] ?? 'UNKNOWN',
    stage: keyword(fields.HindsightStage),
    view: keyword(fields.HindsightView),
    startedAt: millisOf(execution.startTime) ?? 0,
    closedAt: millisOf(execution.closeTime),
    temporalUrl: temporalRunUrl(deps.links, workflowId, runId),
  };
};

export const listWorkflows = async (
  deps: ConsoleDeps,
  query: Query,
): Promise<Page<WorkflowSummary>> => {
  const type = enumParam(query, 'type', WORKFLOW_TYPE_NAMES);
  const status = enumParam(query, 'status', WORKFLOW_STATUSES);
  const stage = textParam(query, 'stage', { pattern: KEYWORD });
  const view = textParam(query, 'view', { pattern: KEYWORD });
  const pageSize = pageSizeParam(query);
  const page = pageParam(query);
  const conditions: string[] = [];
  if (type) conditions.push(`WorkflowType = '${type}'`);
  if (status) conditions.push(`ExecutionStatus = '${visibilityStatusName(status)}'`);
  if (stage) conditions.push(`HindsightStage = '${stage}'`);
  if (view) conditions.push(`HindsightView = '${view}'`);
  const response = await deps.temporal.workflowService.listWorkflowExecutions({
    namespace: deps.namespace,
    pageSize,
    nextPageToken: openPage('workflows', page),
    query: conditions.join(' AND '),
  });
  const next = sealPage('workflows', response.nextPageToken);
  return { items: (response.executions ?? []).map((e) => summaryOf(deps, e)), next };
};

/** The query a run's detail shows as its progress; a rollback has none. */
const PROGRESS_QUERIES = new Map<string, QueryDefinition<unknown>>([
  [WORKFLOW_TYPES.RetrainingPipeline, pipelineProgressQuery],
  [WORKFLOW_TYPES.DatasetWorkflow, datasetProgressQuery],
  [WORKFLOW_TYPES.PromotionWorkflow, promotionStatusQuery],
  [WORKFLOW_TYPES.LiveEvaluationWorkflow, liveEvaluationStatusQuery],
  [WORKFLOW_TYPES.BatchScoringWorkflow, batchScoringProgressQuery],
  [WORKFLOW_TYPES.SnapshotWorkflow, snapshotProgressQuery],
  [WORKFLOW_TYPES.UpcastMigrationWorkflow, migrationProgressQuery],
  [WORKFLOW_TYPES.UndoMigrationWorkflow, undoProgressQuery],
]);

/** Whether the run is a pipeline or a promotion: the two a person approves or rejects through. */
const decidesPromotion = (type: string): boolean =>
  type === WORKFLOW_TYPES.RetrainingPipeline || type === WORKFLOW_TYPES.PromotionWorkflow;

/** The promotion run that decides a pipeline (or the promotion itself). */
const promotionIdOf = (workflowId: string, type: string): string =>
  type === WORKFLOW_TYPES.PromotionWorkflow ? workflowId : `${workflowId}/promotion`;

const pendingPromotion = async (
  deps: ConsoleDeps,
  description: WorkflowExecutionDescription,
): Promise<WorkflowDetail['pendingPromotion']> => {
  if (description.status.name !== 'RUNNING') return null;
  if (!decidesPromotion(description.type)) return null;
  const promotionWorkflowId = promotionIdOf(description.workflowId, description.type);
  const status = await queryIfAnswered(deps, description.taskQueue, () =>
    deps.temporal.workflow.getHandle(promotionWorkflowId).query(promotionStatusQuery),
  );
  return status?.stage === 'awaiting_approval' ? { promotionWorkflowId, details: status } : null;
};

export const getWorkflow = async (
  deps: ConsoleDeps,
  id: string,
  query: Query,
): Promise<WorkflowDetail> => {
  const runId = textParam(query, 'runId', { pattern: RUN_ID });
  const handle = deps.temporal.workflow.getHandle(checkWorkflowId(id), runId);
  const description = await handle.describe();
  const progressQuery = PROGRESS_QUERIES.get(description.type);
  const running = description.status.name === 'RUNNING';
  const [history, progress, pending] = await Promise.all([
    readRunHistory(deps.temporal, deps.namespace, {
      workflowId: description.workflowId,
      runId: description.runId,
    }),
    running && progressQuery
      ? queryIfAnswered(deps, description.taskQueue, () => handle.query(progressQuery))
      : null,
    pendingPromotion(deps, description),
  ]);
  const percent = (progress as { percent?: unknown } | null)?.percent;
  const attributes = description.searchAttributes;
  const first = (name: string): string | null => {
    const value = attributes[name]?.[0];
    return typeof value === 'string' && value !== '' ? value : null;
  };
  return {
    workflowId: description.workflowId,
    runId: description.runId,
    type: description.type,
    status: (WORKFLOW_STATUSES as readonly string[]).includes(description.status.name)
      ? (description.status.name as WorkflowStatus)
      : 'UNKNOWN',
    stage: first('HindsightStage'),
    view: first('HindsightView'),
    startedAt: description.startTime.getTime(),
    closedAt: description.closeTime?.getTime() ?? null,
    temporalUrl: temporalRunUrl(deps.links, description.workflowId, description.runId),
    input: history.input,
    result: history.result,
    failure: history.failure,
    progress,
    percent: typeof percent === 'number' ? percent : null,
    timeline: history.timeline,
    timelineTruncated: history.truncated,
    pendingPromotion: pending,
    children: history.children,
    parent: history.parent,
  };
};

const causeOf = (error: unknown): string => {
  let cause = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(error);
};

export const reviewPromotion = async (
  deps: ConsoleDeps,
  id: string,
  decision: 'approve' | 'reject',
  review: { reviewer: string; reason: string },
): Promise<ReviewResponse> => {
  const description = await deps.temporal.workflow.getHandle(checkWorkflowId(id)).describe();
  if (!decidesPromotion(description.type)) {
    throw new HttpError(
      409,
      'FAILED_PRECONDITION',
      `'${id}' is a ${description.type}: only a pipeline or a promotion awaits approval`,
      { reason: 'PROMOTION_NOT_PENDING' },
    );
  }
  const promotionId = promotionIdOf(description.workflowId, description.type);
  // An update waits for a worker to accept it, retrying for as long as it takes.
  if (!(await hasWorker(deps, description.taskQueue))) {
    throw new HttpError(
      503,
      'UNAVAILABLE',
      `no worker polls task queue '${description.taskQueue}': the promotion cannot be decided now`,
      { reason: 'NO_WORKER' },
    );
  }
  try {
    const promotion = await temporalWithin(deps.temporal, UPDATE_DEADLINE_MS, () =>
      deps.temporal.workflow
        .getHandle(promotionId)
        .executeUpdate(decision === 'approve' ? approveUpdate : rejectUpdate, { args: [review] }),
    );
    return { promotion };
  } catch (error) {
    if ((error as { code?: unknown }).code === 4 /* gRPC DEADLINE_EXCEEDED */) {
      throw new HttpError(
        504,
        'DEADLINE_EXCEEDED',
        `the worker did not take the ${decision} within ${UPDATE_DEADLINE_MS / 1000} s; check the workflow and retry`,
      );
    }
    if (error instanceof WorkflowNotFoundError || error instanceof WorkflowUpdateFailedError) {
      throw new HttpError(
        409,
        'FAILED_PRECONDITION',
        `'${id}' has no promotion awaiting approval: ${causeOf(error)}`,
        { reason: 'PROMOTION_NOT_PENDING' },
      );
    }
    throw error;
  }
};
