// Where a workflow's time went, read from its history: the stages it marked (the HindsightStage
// search attribute, upserted as it enters each) and the span of each activity and child workflow.
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { STAGE_ATTRIBUTE } from '../workflows/searchAttributeKeys.js';

type HistoryEvent = NonNullable<History['events']>[number];
interface Payload {
  data?: Uint8Array | null;
}

export interface Span {
  fromMs: number;
  toMs: number;
}

export interface StageSpan extends Span {
  stage: string;
}

export interface TaskSpan {
  kind: 'activity' | 'child';
  /** The activity type, or the child's workflow id. */
  name: string;
  /** The first argument, when it is JSON. */
  input: unknown;
  /** Scheduled (or initiated, for a child) until completed. */
  waited: Span;
  /** Started until completed: the time the last attempt ran. */
  ran: Span;
  /** The attempt that completed (a child workflow's is 1). */
  attempt: number;
}

const timeOf = (event: HistoryEvent): number =>
  Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;

const json = (payload: Payload | null | undefined): unknown => {
  if (!payload?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString()) as unknown;
  } catch {
    return undefined;
  }
};

export const seconds = ({ fromMs, toMs }: Span): number => (toMs - fromMs) / 1000;

/** From the workflow's start to its close. */
export const workflowSpan = (history: History): Span => {
  const events = history.events ?? [];
  const first = events[0];
  const last = events.at(-1);
  if (!first || !last) throw new Error('an empty history');
  return { fromMs: timeOf(first), toMs: timeOf(last) };
};

/**
 * The stages in the order the workflow entered them, each until the next one; the first from
 * the workflow's start (its first task included), the last until its close.
 */
export const stageSpans = (history: History): StageSpan[] => {
  const whole = workflowSpan(history);
  const marks: { stage: string; atMs: number }[] = [];
  for (const event of history.events ?? []) {
    const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes;
    const value = json(fields?.indexedFields?.[STAGE_ATTRIBUTE.name]);
    if (value === undefined) continue;
    const stage = String(Array.isArray(value) ? value[0] : value);
    marks.push({ stage, atMs: marks.length === 0 ? whole.fromMs : timeOf(event) });
  }
  return marks.map(({ stage, atMs }, i) => ({
    stage,
    fromMs: atMs,
    toMs: marks[i + 1]?.atMs ?? whole.toMs,
  }));
};

interface Times {
  scheduled: number;
  started?: number;
  completed?: number;
  attempt: number;
}

/** Every completed activity and child workflow, in the order they were scheduled. */
export const taskSpans = (history: History): TaskSpan[] => {
  const scheduled = new Map<string, { kind: TaskSpan['kind']; name: string; input: unknown }>();
  const times = new Map<string, Times>();
  const at = (id: unknown): Times => times.get(String(id)) ?? { scheduled: Number.NaN, attempt: 1 };
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    const activity = event.activityTaskScheduledEventAttributes;
    const child = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (activity || child) {
      scheduled.set(id, {
        kind: activity ? 'activity' : 'child',
        name: (activity ? activity.activityType?.name : child?.workflowId) ?? '?',
        input: json((activity ?? child)?.input?.payloads?.[0]),
      });
      times.set(id, { scheduled: timeOf(event), attempt: 1 });
    }
    const started =
      event.activityTaskStartedEventAttributes?.scheduledEventId ??
      event.childWorkflowExecutionStartedEventAttributes?.initiatedEventId;
    if (started != null) {
      const attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
      times.set(String(started), { ...at(started), started: timeOf(event), attempt });
    }
    const completed =
      event.activityTaskCompletedEventAttributes?.scheduledEventId ??
      event.childWorkflowExecutionCompletedEventAttributes?.initiatedEventId;
    if (completed != null) {
      times.set(String(completed), { ...at(completed), completed: timeOf(event) });
    }
  }
  return [...scheduled].flatMap(([id, task]) => {
    const time = at(id);
    if (time.completed === undefined) return [];
    return [
      {
        ...task,
        waited: { fromMs: time.scheduled, toMs: time.completed },
        ran: { fromMs: time.started ?? time.scheduled, toMs: time.completed },
        attempt: time.attempt,
      },
    ];
  });
};

/** `name 1.23s` per kind of task, run times summed (`3x` when it ran more than once). */
export const taskTotals = (tasks: readonly TaskSpan[]): string => {
  const totals = new Map<string, { count: number; seconds: number }>();
  for (const task of tasks) {
    const total = totals.get(task.name) ?? { count: 0, seconds: 0 };
    totals.set(task.name, { count: total.count + 1, seconds: total.seconds + seconds(task.ran) });
  }
  return [...totals]
    .map(([name, t]) => `${name} ${t.count > 1 ? `${t.count}x ` : ''}${t.seconds.toFixed(2)}s`)
    .join(', ');
};
