// A schedule's description as JSON-safe data; its spec text comes from the memo written at
// creation (the server keeps a cron only as compiled calendars).
import type { ScheduleDescription } from '@temporalio/client';
import { formatDuration } from './scheduleSpec.js';
import type { PipelineScheduleSummary } from './types.js';

export const SPEC_MEMO = 'hindsightSpec';

const specTextOf = ({ spec, memo }: ScheduleDescription): string => {
  const text = memo?.[SPEC_MEMO];
  if (typeof text === 'string') return text;
  const intervals = (spec.intervals ?? []).map(
    ({ every, offset }) =>
      `every ${formatDuration(every)}${offset ? ` offset ${formatDuration(offset)}` : ''}`,
  );
  const calendars = spec.calendars?.length ? [`${spec.calendars.length} calendar(s)`] : [];
  return [...intervals, ...calendars].join(', ') || 'none';
};

const viewOf = (args: readonly unknown[] | undefined): string | null => {
  const view = (args?.[0] as { view?: unknown } | undefined)?.view;
  return typeof view === 'string' ? view : null;
};

export const summarizeSchedule = (description: ScheduleDescription): PipelineScheduleSummary => ({
  id: description.scheduleId,
  view: viewOf(description.action.args),
  spec: specTextOf(description),
  paused: description.state.paused,
  note: description.state.note || null,
  catchupWindowMs: description.policies.catchupWindow,
  actionsTaken: description.info.numActionsTaken,
  skippedOverlap: description.info.numActionsSkippedOverlap,
  running: description.info.runningActions.map(({ workflow }) => workflow.workflowId),
  recentActions: description.info.recentActions.map(({ action, scheduledAt, takenAt }) => ({
    workflowId: action.workflow.workflowId,
    scheduledAt: scheduledAt.toISOString(),
    takenAt: takenAt.toISOString(),
  })),
  nextActionTimes: description.info.nextActionTimes.map((time) => time.toISOString()),
});
