// The test kit for a project's feature views, usable from vitest (or any runner) in the user's
// own project: feed a view a list of events and get its rows; check that no observation's
// features see an event recorded after it (the leakage oracle), and that future canaries
// inserted after an observation leave it unchanged. The platform's own tests use the same checks.
import { comparePositions, type JsonObject, type Position } from '../eventstore/index.js';
import { compareObservations } from '../ml/dataset.js';
import { runFeatureView } from '../ml/featureRun.js';
import type { FeatureRow, FeatureView, LogEvent } from '../ml/featureView.js';

/** An event as a test writes it; the kit gives it a position in a log of its own. */
export interface TestEvent {
  streamId: string;
  type: string;
  data?: JsonObject;
  /** Business time, ms since the epoch. */
  occurredAt: number;
  /** When it was recorded; default `occurredAt`. */
  recordedAt?: number;
  /** Default 1. */
  schemaVersion?: number;
  eventId?: string;
}

export interface RecordLogOptions {
  /** The first event's transaction id; later ones count up from it. Default 1000. */
  firstTransactionId?: number;
}

/** The events as a committed log: each in its own transaction, in the order given. */
export const recordLog = (
  events: readonly (TestEvent | LogEvent)[],
  { firstTransactionId = 1000 }: RecordLogOptions = {},
): LogEvent[] => {
  const versions = new Map<string, number>();
  return events.map((event, index) => {
    const streamVersion = (versions.get(event.streamId) ?? 0) + 1;
    versions.set(event.streamId, streamVersion);
    return {
      eventId:
        event.eventId ?? `00000000-0000-8000-8000-${(index + 1).toString(16).padStart(12, '0')}`,
      streamId: event.streamId,
      streamVersion,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data ?? {},
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt ?? event.occurredAt,
      globalPosition: index + 1,
      transactionId: firstTransactionId + index,
    };
  });
};

/** Every row the view makes of the events (recorded in the order given), labelled ones first. */
export const viewRows = <State>(
  view: FeatureView<State>,
  events: readonly (TestEvent | LogEvent)[],
): FeatureRow[] => runFeatureView(view, recordLog(events));

/** A check of the kit that failed, with what it found. */
export class LeakageError extends Error {
  constructor(
    message: string,
    readonly details: { position: Position; expected: unknown; actual: unknown },
  ) {
    super(message);
    this.name = 'LeakageError';
  }
}

const positionOf = (event: LogEvent): Position => ({
  transactionId: event.transactionId,
  globalPosition: event.globalPosition,
});

/** The observations at or before a position, without their labels, in a stable order. */
const observationsUpTo = (rows: readonly FeatureRow[], position: Position) =>
  [...rows]
    .filter((row) => comparePositions(row.position, position) <= 0)
    .sort(compareObservations)
    .map(({ entityId, observedAt, position: at, features }) => ({
      entityId,
      observedAt,
      position: at,
      features,
    }));

/** `count` indices spread evenly over `0 … length - 1`. */
const spread = (length: number, count: number): number[] => {
  if (length === 0) return [];
  const n = Math.min(length, Math.max(1, count));
  return [...new Set(Array.from({ length: n }, (_, i) => Math.floor(((i + 1) * length) / n) - 1))];
};

export interface LeakageReport {
  /** Observations the view made over the whole log. */
  observations: number;
  /** Cuts of the log checked. */
  cuts: number;
}

/**
 * The leakage oracle. For `cuts` positions spread over the log, the observations made up to the
 * position must be the same (entity, time, features) whether the view read the whole log or only
 * the log up to that position: no feature may depend on an event recorded after its
 * observation. And every label must come from an event after its observation. Throws
 * `LeakageError` naming the first observation that differs.
 */
export const checkLeakage = <State>(
  view: FeatureView<State>,
  events: readonly (TestEvent | LogEvent)[],
  { cuts = 25 }: { cuts?: number } = {},
): LeakageReport => {
  const log = recordLog(events);
  const full = runFeatureView(view, log);
  for (const row of full) {
    if (row.labelPosition && comparePositions(row.labelPosition, row.position) <= 0) {
      throw new LeakageError(
        `view '${view.name}': the observation of '${row.entityId}' at ` +
          `${row.position.globalPosition} is labelled by an event at or before it ` +
          `(${row.labelPosition.globalPosition})`,
        { position: row.position, expected: 'a later label', actual: row.labelPosition },
      );
    }
  }
  const indices = spread(log.length, cuts);
  for (const index of indices) {
    const at = positionOf(log[index] as LogEvent);
    const expected = observationsUpTo(runFeatureView(view, log.slice(0, index + 1)), at);
    const actual = observationsUpTo(full, at);
    const differs = actual.findIndex(
      (row, i) => JSON.stringify(row) !== JSON.stringify(expected[i]),
    );
    if (differs >= 0 || actual.length !== expected.length) {
      const i = differs >= 0 ? differs : Math.min(actual.length, expected.length);
      throw new LeakageError(
        `view '${view.name}': an observation made by event ${at.globalPosition} or before ` +
          'differs when the view reads the rest of the log: its features see the future',
        { position: at, expected: expected[i] ?? null, actual: actual[i] ?? null },
      );
    }
  }
  return { observations: full.length, cuts: indices.length };
};

export interface CanaryOptions {
  /**
   * The events to insert right after a trigger event: events that would change the trigger's
   * observation if they leaked into it (same entity, extreme values, …).
   */
  canaries: (trigger: LogEvent, index: number) => readonly TestEvent[];
  /** Triggers (events after which the view observed) to try, spread over the log. Default 20. */
  triggers?: number;
}

export interface CanaryReport {
  /** Triggers tried. */
  triggers: number;
  /** Of those, how many changed a later observation: the canaries were live. */
  reachedLater: number;
}

/**
 * The future canary: inserting the canaries right after an observation's trigger event changes
 * nothing at or before that trigger. `reachedLater` says how often they did change a later
 * observation (a test should expect some, or the canaries test nothing). Throws `LeakageError`.
 */
export const checkFutureCanary = <State>(
  view: FeatureView<State>,
  events: readonly (TestEvent | LogEvent)[],
  { canaries, triggers = 20 }: CanaryOptions,
): CanaryReport => {
  const log = recordLog(events);
  const base = runFeatureView(view, log);
  const triggerIndices = [
    ...new Set(
      base.map((row) => log.findIndex((e) => e.globalPosition === row.position.globalPosition)),
    ),
  ]
    .filter((i) => i >= 0)
    .sort((a, b) => a - b);
  const chosen = spread(triggerIndices.length, triggers).map((i) => triggerIndices[i] as number);
  let reachedLater = 0;
  for (const index of chosen) {
    const trigger = log[index] as LogEvent;
    const inserted = canaries(trigger, index);
    const withCanaries = recordLog([
      ...log.slice(0, index + 1),
      ...inserted,
      ...log.slice(index + 1),
    ]);
    const rows = runFeatureView(view, withCanaries);
    const at = positionOf(trigger);
    const before = JSON.stringify(observationsUpTo(base, at));
    const after = JSON.stringify(observationsUpTo(rows, at));
    if (before !== after) {
      throw new LeakageError(
        `view '${view.name}': canaries inserted after event ${at.globalPosition} ` +
          `(${trigger.type} on ${trigger.streamId}) changed an observation made before them`,
        { position: at, expected: before, actual: after },
      );
    }
    // Later rows shift by the inserted events' positions: compare their features only.
    const later = (all: readonly FeatureRow[], from: number): string =>
      JSON.stringify(
        [...all]
          .filter((row) => row.position.globalPosition > from)
          .sort(compareObservations)
          .map((row) => [row.entityId, row.features]),
      );
    if (later(base, at.globalPosition) !== later(rows, at.globalPosition + inserted.length)) {
      reachedLater += 1;
    }
  }
  return { triggers: chosen.length, reachedLater };
};
