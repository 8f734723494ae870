// A run's stage timeline from its history: activities, child workflows, timers, signals and
// updates, each from its scheduled (or initiated) event to the event that closed it.
import type { Client } from '@temporalio/client';
import type { TimelineEntry } from './api.js';
import { millisOf } from '../temporalVisibility.js';

interface Payload {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

/** A payload as the JSON it holds (the default data converter's encodings). */
export const decodePayload = (payload: Payload | null | undefined): unknown => {
  if (!payload) return null;
  const encoding = payload.metadata?.encoding
    ? Buffer.from(payload.metadata.encoding).toString('utf8')
    : '';
  if (encoding === 'binary/null') return null;
  if (encoding === 'json/plain' && payload.data) {
    try {
      return JSON.parse(Buffer.from(payload.data).toString('utf8')) as unknown;
    } catch {
      return null;
    }
  }
  return `<${encoding || 'unknown'} payload, ${payload.data?.length ?? 0} bytes>`;
};

export const decodePayloads = (payloads: { payloads?: Payload[] | null } | null | undefined) => {
  const values = (payloads?.payloads ?? []).map(decodePayload);
  return values.length === 1 ? values[0] : values;
};

type Long = { toNumber(): number } | number | null | undefined;
const num = (value: Long): number => (typeof value === 'number' ? value : (value?.toNumber() ?? 0));

interface Failure {
  message?: string | null;
  cause?: Failure | null;
}
const failureText = (failure: Failure | null | undefined): string | null => {
  if (!failure) return null;
  const messages: string[] = [];
  for (let f: Failure | null | undefined = failure; f; f = f.cause) {
    if (f.message) messages.push(f.message);
  }
  return messages.join(': ') || 'failed';
};

type HistoryPage = Awaited<ReturnType<Client['workflowService']['getWorkflowExecutionHistory']>>;
type CloseEvent = NonNullable<NonNullable<HistoryPage['history']>['events']>[number];

/** At most this many history events are read for a timeline (two pages). */
export const TIMELINE_EVENT_LIMIT = 2000;

export interface RunHistory {
  timeline: TimelineEntry[];
  truncated: boolean;
  input: unknown;
  result: unknown;
  failure: string | null;
  children: { workflowId: string; type: string }[];
  parent: { workflowId: string; runId: string } | null;
}

export const readRunHistory = async (
  client: Client,
  namespace: string,
  execution: { workflowId: string; runId: string },
): Promise<RunHistory> => {
  const entries = new Map<number, TimelineEntry>();
  const children: RunHistory['children'] = [];
  let input: unknown = null;
  let result: unknown = null;
  let failure: string | null = null;
  let parent: RunHistory['parent'] = null;
  let read = 0;
  let pageToken: Uint8Array | undefined;
  let truncated = false;
  const close = (
    key: Long,
    at: number | null,
    status: TimelineEntry['status'],
    why: string | null = null,
  ) => {
    const entry = entries.get(num(key));
    if (!entry) return;
    entry.status = status;
    if (status !== 'running') entry.closedAt = at;
    if (why) entry.failure = why;
  };
  // The run's closing event: its result, or why it failed.
  const readClose = (event: CloseEvent): void => {
    const completed = event.workflowExecutionCompletedEventAttributes;
    if (completed) result = decodePayloads(completed.result);
    const failed = event.workflowExecutionFailedEventAttributes;
    if (failed) failure = failureText(failed.failure);
    if (event.workflowExecutionTimedOutEventAttributes) failure = 'timed out';
    if (event.workflowExecutionTerminatedEventAttributes) {
      failure = `terminated: ${event.workflowExecutionTerminatedEventAttributes.reason ?? ''}`;
    }
    const continued = event.workflowExecutionContinuedAsNewEventAttributes;
    if (continued) result = { continuedAsNew: continued.newExecutionRunId ?? null };
  };
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution,
      maximumPageSize: 1000,
      nextPageToken: pageToken,
    });
    for (const event of page.history?.events ?? []) {
      read += 1;
      const id = num(event.eventId);
      const at = millisOf(event.eventTime);
      const started = event.workflowExecutionStartedEventAttributes;
      if (started) {
        input = decodePayloads(started.input);
        if (started.parentWorkflowExecution?.workflowId) {
          parent = {
            workflowId: started.parentWorkflowExecution.workflowId,
            runId: started.parentWorkflowExecution.runId ?? '',
          };
        }
      }
      readClose(event);

      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) {
        entries.set(id, {
          name: scheduled.activityType?.name ?? 'activity',
          kind: 'activity',
          id: scheduled.activityId ?? null,
          startedAt: at ?? 0,
          closedAt: null,
          status: 'scheduled',
          attempt: null,
          failure: null,
        });
      }
      const activityStarted = event.activityTaskStartedEventAttributes;
      if (activityStarted) {
        const entry = entries.get(num(activityStarted.scheduledEventId));
        if (entry) {
          entry.status = 'running';
          entry.attempt = activityStarted.attempt ?? null;
          entry.failure = failureText(activityStarted.lastFailure);
        }
      }
      const a = event;
      if (a.activityTaskCompletedEventAttributes)
        close(a.activityTaskCompletedEventAttributes.scheduledEventId, at, 'completed');
      if (a.activityTaskFailedEventAttributes)
        close(
          a.activityTaskFailedEventAttributes.scheduledEventId,
          at,
          'failed',
          failureText(a.activityTaskFailedEventAttributes.failure),
        );
      if (a.activityTaskTimedOutEventAttributes)
        close(a.activityTaskTimedOutEventAttributes.scheduledEventId, at, 'timed_out');
      if (a.activityTaskCanceledEventAttributes)
        close(a.activityTaskCanceledEventAttributes.scheduledEventId, at, 'cancelled');

      const initiated = a.startChildWorkflowExecutionInitiatedEventAttributes;
      if (initiated) {
        const type = initiated.workflowType?.name ?? 'workflow';
        children.push({ workflowId: initiated.workflowId ?? '', type });
        entries.set(id, {
          name: type,
          kind: 'child',
          id: initiated.workflowId ?? null,
          startedAt: at ?? 0,
          closedAt: null,
          status: 'scheduled',
          attempt: null,
          failure: null,
        });
      }
      const childStarted = a.childWorkflowExecutionStartedEventAttributes;
      if (childStarted) close(childStarted.initiatedEventId, at, 'running');
      if (a.childWorkflowExecutionCompletedEventAttributes)
        close(a.childWorkflowExecutionCompletedEventAttributes.initiatedEventId, at, 'completed');
      if (a.childWorkflowExecutionFailedEventAttributes)
        close(
          a.childWorkflowExecutionFailedEventAttributes.initiatedEventId,
          at,
          'failed',
          failureText(a.childWorkflowExecutionFailedEventAttributes.failure),
        );
      if (a.childWorkflowExecutionCanceledEventAttributes)
        close(a.childWorkflowExecutionCanceledEventAttributes.initiatedEventId, at, 'cancelled');
      if (a.childWorkflowExecutionTimedOutEventAttributes)
        close(a.childWorkflowExecutionTimedOutEventAttributes.initiatedEventId, at, 'timed_out');
      if (a.childWorkflowExecutionTerminatedEventAttributes)
        close(
          a.childWorkflowExecutionTerminatedEventAttributes.initiatedEventId,
          at,
          'failed',
          'terminated',
        );
      if (a.startChildWorkflowExecutionFailedEventAttributes)
        close(
          a.startChildWorkflowExecutionFailedEventAttributes.initiatedEventId,
          at,
          'failed',
          'could not start',
        );

      const timer = a.timerStartedEventAttributes;
      if (timer) {
        entries.set(id, {
          name: 'timer',
          kind: 'timer',
          id: timer.timerId ?? null,
          startedAt: at ?? 0,
          closedAt: null,
          status: 'running',
          attempt: null,
          failure: null,
        });
      }
      if (a.timerFiredEventAttributes)
        close(a.timerFiredEventAttributes.startedEventId, at, 'completed');
      if (a.timerCanceledEventAttributes)
        close(a.timerCanceledEventAttributes.startedEventId, at, 'cancelled');

      const signal = a.workflowExecutionSignaledEventAttributes;
      if (signal) {
        entries.set(id, {
          name: signal.signalName ?? 'signal',
          kind: 'signal',
          id: null,
          startedAt: at ?? 0,
          closedAt: at,
          status: 'completed',
          attempt: null,
          failure: null,
        });
      }
      const update = a.workflowExecutionUpdateAcceptedEventAttributes;
      if (update) {
        entries.set(id, {
          name: update.acceptedRequest?.input?.name ?? 'update',
          kind: 'update',
          id: update.protocolInstanceId ?? null,
          startedAt: at ?? 0,
          closedAt: at,
          status: 'completed',
          attempt: null,
          failure: null,
        });
      }
    }
    pageToken =
      page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
    if (pageToken && read >= TIMELINE_EVENT_LIMIT) {
      truncated = true;
      break;
    }
  } while (pageToken);
  if (truncated) {
    // The timeline stops early, but the result or failure is in the last event: fetch it alone.
    const closing = await client.workflowService.getWorkflowExecutionHistory({
      namespace,
      execution,
      historyEventFilterType: 2, // HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT
    });
    for (const event of closing.history?.events ?? []) readClose(event);
  }
  return {
    timeline: [...entries.values()].sort((x, y) => x.startedAt - y.startedAt),
    truncated,
    input,
    result,
    failure,
    children,
    parent,
  };
};
