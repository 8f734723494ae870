// A schedule that starts RetrainingPipeline with a fixed input: overlap SKIP (one run at a
// time), a catch-up window, and the view as the started workflows' HindsightView.
import { ScheduleOverlapPolicy, type ScheduleClient } from '@temporalio/client';
import { ValidationError } from '../../eventstore/index.js';
import type { PipelineInput } from '../../workflows/pipelineInput.js';
import type { RetrainingPipeline } from '../../workflows/retrainingPipeline.js';
import { VIEW_ATTRIBUTE } from '../../workflows/searchAttributeKeys.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import { describeSchedule } from './describeSchedule.js';
import { mapScheduleErrors, ScheduleExistsError, ScheduleNotFoundError } from './errors.js';
import { checkScheduleId, defaultScheduleId, legacyDefaultScheduleId } from './scheduleId.js';
import { compileScheduleSpec, durationMs } from './scheduleSpec.js';
import { SPEC_MEMO } from './summarizeSchedule.js';
import type { CreatePipelineSchedule, PipelineScheduleSummary } from './types.js';
import { VIEW_NAME } from '../../ml/names.js';

/** Below it the server raises the window to it anyway. */
const MIN_CATCHUP_MS = 10_000;

const checkView = (input: PipelineInput): string => {
  const view = (input as Partial<PipelineInput> | undefined)?.view;
  if (typeof view !== 'string' || !VIEW_NAME.test(view)) {
    throw new ValidationError(
      'input.view',
      `${JSON.stringify(view)} is not a feature view name (snake case, e.g. work_order_overrun)`,
    );
  }
  return view;
};

export const createSchedule = async (
  schedules: ScheduleClient,
  taskQueue: string,
  request: CreatePipelineSchedule,
): Promise<PipelineScheduleSummary> => {
  const view = checkView(request.input);
  const id = checkScheduleId(request.id ?? defaultScheduleId(view));
  // The view's default schedule made by an earlier release is the same schedule under its old id.
  if (request.id === undefined) {
    const legacy = legacyDefaultScheduleId(view);
    const exists = await mapScheduleErrors(legacy, () =>
      schedules.getHandle(legacy).describe(),
    ).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ScheduleNotFoundError) return false;
        throw error;
      },
    );
    if (exists) throw new ScheduleExistsError(legacy);
  }
  const { spec, text } = compileScheduleSpec(request.spec);
  const catchupWindow = durationMs('catchupWindow', request.catchupWindow ?? '1m', MIN_CATCHUP_MS);
  await mapScheduleErrors(id, () =>
    schedules
      .create<typeof RetrainingPipeline>({
        scheduleId: id,
        spec,
        action: {
          type: 'startWorkflow',
          workflowType: WORKFLOW_TYPES.RetrainingPipeline,
          taskQueue,
          // Temporal appends the scheduled time; the schedule id keeps two schedules of a view
          // firing at the same second from colliding (the default one is the prefix itself).
          workflowId: id === defaultScheduleId(view) ? id : `pipeline-${view}-${id}`,
          args: [request.input],
          typedSearchAttributes: [{ key: VIEW_ATTRIBUTE, value: view }],
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow },
        memo: { ...request.memo, [SPEC_MEMO]: text },
        state: {
          paused: request.paused ?? false,
          ...(request.note === undefined ? {} : { note: request.note }),
        },
      })
      .catch((error: unknown) => {
        // The client turns the server's "Invalid schedule spec: …" into a TypeError.
        if (error instanceof TypeError) {
          const field = 'cronExpressions' in spec ? 'spec.cron' : 'spec';
          throw new ValidationError(field, `'${text}' is refused by Temporal: ${error.message}`);
        }
        throw error;
      }),
  );
  return describeSchedule(schedules, id);
};
