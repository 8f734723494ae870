// gRPC Pipelines service: starts and follows RetrainingPipeline workflows through the Temporal
// client, decides their pending promotions (updates on the child `<id>/promotion`), and
// manages their schedules. Requests are checked before anything starts.
import { status } from '@grpc/grpc-js';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type UpdateDefinition,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { checkPipeline } from '../../ml/checkPipeline.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { ValidationError } from '../../eventstore/index.js';
import type { Pipeline, PipelinesServer } from '../../gen/hindsight/v1/pipelines.js';
import { approveUpdate, pipelineProgressQuery, rejectUpdate } from '../../workflows/messages.js';
import { parsePipelineInput } from '../../workflows/pipelineInput.js';
import type { Review } from '../../workflows/promotionInput.js';
import type { PromotionStatus } from '../../workflows/promotionWorkflow.js';
import type { RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { STAGE_ATTRIBUTE, VIEW_ATTRIBUTE } from '../../workflows/searchAttributeKeys.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import type { PipelineSchedules } from '../schedules/types.js';
import { listPipelines } from './listPipelines.js';
import { jsonBytes, toPipelineInput, toPipelineStatus } from './pipelinesCodec.js';
import { statusError } from './status.js';
import { unary } from './unary.js';

export interface PipelinesServiceDeps {
  client: Client;
  namespace: string;
  taskQueue: string;
  views: FeatureViewRegistry;
  schedules: PipelineSchedules;
  onInternalError: (error: unknown) => void;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

const checkId = (field: string, id: string): string => {
  if (!ID.test(id)) {
    throw new ValidationError(field, `'${id}' is not a pipeline id (letters, digits, _ . : -)`);
  }
  return id;
};

const failureOf = (error: unknown): string => {
  let cause = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(error);
};

const checkReview = (reviewer: string, reason: string): void => {
  if (reviewer.trim() === '' || reviewer.length > 200) {
    throw new ValidationError('reviewer', 'give who decides (1 to 200 characters)');
  }
  if (reason.trim() === '' || reason.length > 2000) {
    throw new ValidationError('reason', 'say why (1 to 2000 characters)');
  }
};

export const createPipelinesService = ({
  client,
  namespace,
  taskQueue,
  views,
  schedules,
  onInternalError,
}: PipelinesServiceDeps): PipelinesServer => {
  const pipelineNotFound = (id: string, message: string) =>
    statusError(status.NOT_FOUND, message, {
      reason: 'PIPELINE_NOT_FOUND',
      metadata: { pipeline_id: id },
    });

  const pipelineHandle = async (id: string) => {
    const handle = client.workflow.getHandle<typeof RetrainingPipeline>(checkId('pipeline_id', id));
    const description = await handle.describe().catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) {
        throw pipelineNotFound(id, `pipeline '${id}' not found`);
      }
      throw error;
    });
    if (description.type !== WORKFLOW_TYPES.RetrainingPipeline) {
      throw pipelineNotFound(id, `'${id}' is a ${description.type}, not a pipeline`);
    }
    return { handle, description };
  };

  const review =
    (update: UpdateDefinition<PromotionStatus, [Review]>) =>
    async ({
      pipelineId,
      reviewer,
      reason,
    }: {
      pipelineId: string;
      reviewer: string;
      reason: string;
    }) => {
      checkReview(reviewer, reason);
      const { handle } = await pipelineHandle(pipelineId);
      const stage = (await handle.query(pipelineProgressQuery).catch(() => undefined))?.stage;
      const notAwaiting = (why: string) =>
        statusError(
          status.FAILED_PRECONDITION,
          `pipeline '${pipelineId}' has no promotion awaiting approval (stage ${stage ?? 'unknown'}): ${why}`,
          { reason: 'PROMOTION_NOT_PENDING', metadata: { pipeline_id: pipelineId } },
        );
      try {
        const promotion = await client.workflow
          .getHandle(`${pipelineId}/promotion`)
          .executeUpdate(update, { args: [{ reviewer, reason }] });
        return { promotionJson: jsonBytes(promotion) };
      } catch (error) {
        // Temporal's own words ("workflow not found for ID: …") name nothing the caller asked for.
        if (error instanceof WorkflowNotFoundError) {
          throw notAwaiting('its promotion has not started');
        }
        if (error instanceof WorkflowUpdateFailedError) throw notAwaiting(failureOf(error));
        throw error;
      }
    };

  return {
    startPipeline: unary(onInternalError, async (request) => {
      const input = toPipelineInput(request);
      const parsed = parsePipelineInput(input);
      await checkPipeline(views, {
        view: parsed.view,
        trainers: parsed.trainers,
        rules: parsed.rules,
      });
      const pipelineId = request.pipelineId
        ? checkId('pipeline_id', request.pipelineId)
        : `pipeline-${parsed.view}-${randomUUID()}`;
      const handle = await client.workflow
        .start<typeof RetrainingPipeline>(WORKFLOW_TYPES.RetrainingPipeline, {
          taskQueue,
          workflowId: pipelineId,
          // A pipeline id names one run forever: GetPipeline and reviews never mean another.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [input],
          typedSearchAttributes: [{ key: VIEW_ATTRIBUTE, value: parsed.view }],
        })
        .catch((error: unknown) => {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          throw statusError(
            status.ALREADY_EXISTS,
            `pipeline id '${pipelineId}' is taken: it names one run forever; choose another`,
            { reason: 'PIPELINE_ALREADY_EXISTS', metadata: { pipeline_id: pipelineId } },
          );
        });
      return { pipelineId, runId: handle.firstExecutionRunId };
    }),

    getPipeline: unary(onInternalError, async ({ pipelineId }) => {
      const { handle, description } = await pipelineHandle(pipelineId);
      const progress = await handle.query(pipelineProgressQuery).catch(() => undefined);
      let result: unknown;
      let failure = '';
      if (description.status.name === 'COMPLETED') result = await handle.result();
      else if (description.status.name !== 'RUNNING') {
        failure = await handle.result().then(
          () => '',
          (error: unknown) => failureOf(error),
        );
      }
      const pipeline: Pipeline = {
        pipelineId,
        runId: description.runId,
        status: toPipelineStatus(description.status.name),
        stage: progress?.stage ?? description.typedSearchAttributes.get(STAGE_ATTRIBUTE) ?? '',
        view: description.typedSearchAttributes.get(VIEW_ATTRIBUTE) ?? progress?.view ?? '',
        startedAtMs: description.startTime.getTime(),
        closedAtMs: description.closeTime?.getTime() ?? 0,
        percent: progress?.percent ?? 0,
        progressJson: jsonBytes(progress),
        resultJson: jsonBytes(result),
        failure,
      };
      return { pipeline };
    }),

    listPipelines: unary(onInternalError, (request) => listPipelines(client, namespace, request)),

    approvePromotion: unary(onInternalError, review(approveUpdate)),
    rejectPromotion: unary(onInternalError, review(rejectUpdate)),

    createSchedule: unary(onInternalError, async (request) => {
      if (!request.pipeline) throw new ValidationError('pipeline', 'is required');
      if (!request.when) throw new ValidationError('when', 'give every or cron');
      const summary = await schedules.create({
        input: toPipelineInput(request.pipeline),
        spec:
          request.when.$case === 'every'
            ? { every: request.when.every }
            : { cron: request.when.cron },
        ...(request.scheduleId ? { id: request.scheduleId } : {}),
        ...(request.catchupWindow ? { catchupWindow: request.catchupWindow } : {}),
        paused: request.paused,
        ...(request.note ? { note: request.note } : {}),
      });
      return { scheduleJson: jsonBytes(summary) };
    }),
    listSchedules: unary(onInternalError, async ({ view }) => ({
      schedulesJson: (await schedules.list(view ? { view } : {})).map(jsonBytes),
    })),
    pauseSchedule: unary(onInternalError, async ({ scheduleId, note }) => {
      await schedules.pause(scheduleId, note || undefined);
      return {};
    }),
    unpauseSchedule: unary(onInternalError, async ({ scheduleId, note }) => {
      await schedules.unpause(scheduleId, note || undefined);
      return {};
    }),
    triggerSchedule: unary(onInternalError, async ({ scheduleId }) => {
      await schedules.trigger(scheduleId);
      return {};
    }),
    deleteSchedule: unary(onInternalError, async ({ scheduleId }) => {
      await schedules.delete(scheduleId);
      return {};
    }),
  };
};
