// The namespace's schedules (retraining, scoring, snapshots…), a page at a time in Temporal's
// order (each page sorted by id for reading), and the three operator actions on one.
import type { ScheduleDescription } from '@temporalio/client';
import { checkScheduleId } from '../schedules/scheduleId.js';
import { mapScheduleErrors } from '../schedules/errors.js';
import { pauseSchedule } from '../schedules/pauseSchedule.js';
import { summarizeSchedule } from '../schedules/summarizeSchedule.js';
import { triggerSchedule } from '../schedules/triggerSchedule.js';
import { unpauseSchedule } from '../schedules/unpauseSchedule.js';
import type { Page, ScheduleView } from './api.js';
import type { ConsoleDeps } from './deps.js';
import { bodyText, openPage, pageParam, pageSizeParam, sealPage, type Query } from './params.js';
import { badRequest } from './httpError.js';

const subjectOf = (args: readonly unknown[] | undefined): string | null => {
  const input = args?.[0] as { view?: unknown; modelName?: unknown } | undefined;
  if (typeof input?.view === 'string') return input.view;
  if (typeof input?.modelName === 'string') return input.modelName;
  return null;
};

const viewOf = (description: ScheduleDescription): ScheduleView => {
  const summary = summarizeSchedule(description);
  return {
    id: summary.id,
    workflowType: description.action.workflowType,
    subject: subjectOf(description.action.args),
    spec: summary.spec,
    paused: summary.paused,
    note: summary.note,
    actionsTaken: summary.actionsTaken,
    skippedOverlap: summary.skippedOverlap,
    running: summary.running,
    recentActions: summary.recentActions.map((action) => ({
      workflowId: action.workflowId,
      scheduledAt: Date.parse(action.scheduledAt),
      takenAt: Date.parse(action.takenAt),
    })),
    nextActionTimes: summary.nextActionTimes.map((time) => Date.parse(time)),
  };
};

export const listScheduleViews = async (
  deps: ConsoleDeps,
  query: Query,
): Promise<Page<ScheduleView>> => {
  const pageSize = pageSizeParam(query, 20);
  const page = pageParam(query);
  const response = await deps.temporal.workflowService.listSchedules({
    namespace: deps.namespace,
    maximumPageSize: pageSize,
    nextPageToken: openPage('schedules', page),
  });
  const described = await Promise.all(
    (response.schedules ?? []).map(async ({ scheduleId }) =>
      scheduleId
        ? deps.temporal.schedule
            .getHandle(scheduleId)
            .describe()
            .catch(() => null) // deleted since it was listed
        : null,
    ),
  );
  const items = described
    .filter((d): d is ScheduleDescription => d !== null)
    .map(viewOf)
    .sort((a, b) => a.id.localeCompare(b.id));
  const next = sealPage('schedules', response.nextPageToken);
  return { items, next };
};

export type ScheduleAction = 'pause' | 'unpause' | 'trigger';

export const actOnSchedule = async (
  deps: ConsoleDeps,
  rawId: string,
  action: ScheduleAction,
  body: Record<string, unknown>,
): Promise<ScheduleView> => {
  const id = checkScheduleId(rawId);
  const note = bodyText(body, 'note', { max: 500, optional: true });
  for (const key of Object.keys(body)) {
    if (key !== 'note') throw badRequest(key, 'is not a field of this request (only note)');
  }
  const schedules = deps.temporal.schedule;
  if (action === 'pause') await pauseSchedule(schedules, id, note || undefined);
  else if (action === 'unpause') await unpauseSchedule(schedules, id, note || undefined);
  else await triggerSchedule(schedules, id);
  return viewOf(await mapScheduleErrors(id, () => schedules.getHandle(id).describe()));
};
