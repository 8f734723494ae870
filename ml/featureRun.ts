// Runs a feature view over the log incrementally: events go in one at a time in commit order,
// rows come out once labelled. Only unlabelled observations are held, so memory follows the
// number of open entities, not the length of the history.
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import {
  comparePositions,
  type Position,
  START,
  stateFromJson,
  stateToJson,
} from '../eventstore/index.js';
import { compareRows } from './dataset.js';
import { FeatureViewError } from './errors.js';
import { applyOrQuarantine, type QuarantinedEventRecord } from './quarantine.js';
import { isPlatformEvent } from '../platform/reserved.js';
import { createMinHeap } from './minHeap.js';
import {
  positionOf,
  type FeatureEmitter,
  type FeatureRow,
  type FeatureView,
  type Features,
  type Label,
  type LogEvent,
} from './featureView.js';

/** Everything a run holds, JSON-safe: store it, and resume a run from it later. */
export interface FeatureRunSnapshot {
  view: { name: string; version: number; codeHash: string };
  /** The last event pushed; `START` when none. */
  position: Position;
  /** The view's state as JSON text (Maps and Sets included, see `stateToJson`). */
  state: string;
  /** Labelled rows not drained yet, in release order. */
  labelled: FeatureRow[];
  /** Observations still waiting for their outcome, in log order. */
  unlabelled: FeatureRow[];
  /**
   * The log's clock: the newest business time of the events the view read; null before any.
   * Absent in snapshots written before label horizons.
   */
  clock?: number | null;
}

export interface FeatureRun<State> {
  readonly view: FeatureView<State>;
  /**
   * Applies the next event of the log; refuses one that is not after the previous one.
   * Returns the observations made at this event (unlabelled): what online serving scores.
   * An event the view cannot take (flagged by the upcasters, or its `apply` throws) is
   * quarantined: nothing it emitted stays, and the run goes on (see quarantine.ts).
   */
  push: (event: LogEvent) => readonly FeatureRow[];
  /** The events quarantined since the last call, in log order. */
  drainQuarantined: () => QuarantinedEventRecord[];
  /** Events this run quarantined (since it was created or resumed). */
  readonly quarantined: number;
  /**
   * The rows labelled since the last drain, ordered by label position, then position. All
   * drains together give the same sequence however often they are called.
   */
  drain: () => FeatureRow[];
  /** Ends the run: the rows labelled but not drained, then the unlabelled ones in log order. */
  finish: () => FeatureRow[];
  /** The view's state after the last event. Read it, do not change it. */
  readonly state: State;
  /** The last event pushed; `START` when none. */
  readonly position: Position;
  /** The newest business time of the events the view read; null before any (see LabelHorizon). */
  readonly clock: number | null;
  /** Observations that matured without an outcome (given the default label or dropped). */
  readonly matured: number;
  /** Rows held: the unlabelled observations plus labelled rows not drained yet. */
  readonly held: number;
  readonly unlabelled: number;
  snapshot: () => FeatureRunSnapshot;
}

export interface FeatureRunOptions {
  /** Continues a run from its snapshot; the view must be the very same code. */
  resume?: FeatureRunSnapshot;
}

/** A run snapshot as stored (gzipped JSON, see `view_snapshots` and the batches' state files). */
export const readRunSnapshot = async (stored: Buffer): Promise<FeatureRunSnapshot> =>
  JSON.parse((await promisify(gunzip)(stored)).toString()) as FeatureRunSnapshot;

const jsonCopy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const invalidObservation = (
  view: Pick<FeatureView<unknown>, 'name'>,
  entityId: string,
  message: string,
): FeatureViewError =>
  new FeatureViewError(
    'INVALID_OBSERVATION',
    `feature view '${view.name}', entity '${entityId}': ${message}`,
  );

/** A checked copy of the features: this runs for every observation, so it stays lean. */
export const checkedFeatures = (
  view: Pick<FeatureView<unknown>, 'name' | 'featureNames' | 'featureTypes'>,
  entityId: string,
  features: Features,
): Features => {
  const copy = { ...features };
  for (const name of view.featureNames) {
    const value = copy[name];
    const type = typeof value;
    if (
      (type === 'number' || type === 'string' || type === 'boolean') &&
      type !== view.featureTypes[name]
    ) {
      throw invalidObservation(
        view,
        entityId,
        `feature '${name}' is a ${type}, but its declared type is ${view.featureTypes[name]}`,
      );
    }
    switch (type) {
      case 'number':
        if (!Number.isFinite(value)) {
          throw invalidObservation(
            view,
            entityId,
            `feature '${name}' is ${String(value)}: give null for an unknown value`,
          );
        }
        break;
      case 'string':
      case 'boolean':
        break;
      case 'undefined':
        throw invalidObservation(view, entityId, `feature '${name}' is missing`);
      default:
        if (value !== null) {
          throw invalidObservation(
            view,
            entityId,
            `feature '${name}' is not a number, string, boolean or null`,
          );
        }
    }
  }
  if (Object.keys(copy).length !== view.featureNames.length) {
    const unknown = Object.keys(copy).filter((name) => !view.featureNames.includes(name));
    throw invalidObservation(view, entityId, `unknown features ${unknown.join(', ')}`);
  }
  return copy;
};

export const createFeatureRun = <State>(
  view: FeatureView<State>,
  { resume }: FeatureRunOptions = {},
): FeatureRun<State> => {
  if (
    resume &&
    (resume.view.name !== view.name ||
      resume.view.version !== view.version ||
      resume.view.codeHash !== view.codeHash)
  ) {
    throw new FeatureViewError(
      'SNAPSHOT_MISMATCH',
      `the snapshot is of ${resume.view.name} v${resume.view.version} (${resume.view.codeHash}), ` +
        `not of ${view.name} v${view.version} (${view.codeHash}): rebuild from the log`,
    );
  }
  const eventTypes = view.eventTypes && new Set(view.eventTypes);
  const state = resume ? stateFromJson<State>(resume.state) : view.initialState();
  let position: Position = resume ? { ...resume.position } : START;
  let ended: string | undefined;
  /** Unlabelled observations by entity, each list in log order. */
  const pending = new Map<string, FeatureRow[]>();
  let pendingCount = 0;
  let ready: FeatureRow[] = resume ? jsonCopy(resume.labelled) : [];
  let quarantine: QuarantinedEventRecord[] = [];
  let quarantinedCount = 0;
  const horizon = view.labelHorizon;
  let clock: number | null = resume?.clock ?? null;
  let maturedCount = 0;
  /** With a horizon, the pending observations by the time they mature, soonest first. */
  const maturing = createMinHeap<FeatureRow>((a, b) => a.observedAt < b.observedAt);
  const hold = (row: FeatureRow): void => {
    const rows = pending.get(row.entityId);
    if (rows) rows.push(row);
    else pending.set(row.entityId, [row]);
    pendingCount += 1;
    if (horizon) maturing.push(row);
  };
  /**
   * Moves the clock to the event's business time and settles every pending observation whose
   * horizon it has passed: the default label at this event's position, or dropped. An outcome
   * at exactly the horizon still counts, so only observations matured strictly before go.
   */
  const advanceClock = (event: LogEvent): FeatureRow[] => {
    // Business time, but never past when the event was recorded (a date in the future is a
    // mistake, and one such event would mature every waiting observation), and not from the
    // platform's own records nor from an event the upcasters could not read.
    if (event.upcastError === undefined && !isPlatformEvent(event.streamId, event.type)) {
      const time = Math.min(event.occurredAt, event.recordedAt);
      if (clock === null || time > clock) clock = time;
    }
    if (!horizon || clock === null) return [];
    const now = clock;
    const settled: FeatureRow[] = [];
    for (;;) {
      const next = maturing.peek();
      if (next === undefined || next.observedAt + horizon.within >= now) break;
      maturing.pop();
      const rows = pending.get(next.entityId);
      const at = rows?.indexOf(next) ?? -1;
      // Labelled by an outcome since it was held: nothing to settle.
      if (!rows || at < 0) continue;
      rows.splice(at, 1);
      if (rows.length === 0) pending.delete(next.entityId);
      pendingCount -= 1;
      maturedCount += 1;
      if (horizon.otherwise === 'drop') continue;
      settled.push({
        ...next,
        label: horizon.otherwise,
        labelPosition: positionOf(event),
        labelledAt: next.observedAt + horizon.within,
      });
    }
    return settled;
  };
  for (const row of resume ? jsonCopy(resume.unlabelled) : []) hold(row);

  // The event being applied, and what its apply emitted.
  let current: LogEvent | undefined;
  let observedNow: FeatureRow[] = [];
  let labelledNow: FeatureRow[] = [];
  // The observations the labels at this event took, to give back if the event is quarantined.
  let takenNow: [string, FeatureRow[]][] = [];
  const during = (what: string): LogEvent => {
    if (!current) throw new FeatureViewError('INVALID_OBSERVATION', `${what} outside apply()`);
    return current;
  };
  const emit: FeatureEmitter = {
    observe: (entityId, features) => {
      const event = during('observe()');
      for (const row of observedNow) {
        if (row.entityId !== entityId) continue;
        throw new FeatureViewError(
          'INVALID_OBSERVATION',
          `feature view '${view.name}' observed '${entityId}' twice at one event`,
        );
      }
      observedNow.push({
        entityId,
        observedAt: event.occurredAt,
        position: positionOf(event),
        features: checkedFeatures(view, entityId, features),
        label: null,
        labelPosition: null,
        labelledAt: null,
      });
    },
    label: (entityId, value: Label) => {
      const event = during('label()');
      if (value !== 0 && value !== 1) {
        throw new FeatureViewError('INVALID_OBSERVATION', `label ${String(value)} is not 0 or 1`);
      }
      const rows = pending.get(entityId);
      if (!rows) return;
      pending.delete(entityId);
      pendingCount -= rows.length;
      takenNow.push([entityId, rows]);
      const labelPosition = positionOf(event);
      for (const row of rows) {
        labelledNow.push({ ...row, label: value, labelPosition, labelledAt: event.occurredAt });
      }
    },
  };

  const refuseWhenEnded = (): void => {
    if (ended) throw new FeatureViewError('RUN_FINISHED', `the run ${ended}`);
  };

  return {
    view,
    push: (event) => {
      refuseWhenEnded();
      const at = positionOf(event);
      if (comparePositions(at, position) <= 0) {
        throw new FeatureViewError(
          'OUT_OF_ORDER',
          `event ${event.eventId} at (${at.transactionId}, ${at.globalPosition}) is not after ` +
            `(${position.transactionId}, ${position.globalPosition})`,
        );
      }
      position = at;
      if (eventTypes && !eventTypes.has(event.type)) return [];
      // Before the event applies: an outcome after the horizon comes too late.
      const settled = advanceClock(event);
      current = event;
      observedNow = [];
      labelledNow = [];
      takenNow = [];
      let poison: QuarantinedEventRecord | null;
      try {
        poison = applyOrQuarantine(view, state, event, emit);
      } catch (error) {
        // The view broke its contract: its state may be half-updated, nothing after is trusted.
        ended = `failed at event ${event.eventId}`;
        throw error;
      } finally {
        current = undefined;
      }
      if (poison) {
        for (const [entityId, rows] of takenNow) {
          pending.set(entityId, rows);
          pendingCount += rows.length;
        }
        quarantine.push(poison);
        quarantinedCount += 1;
        if (settled.length > 1) settled.sort(compareRows);
        for (const row of settled) ready.push(row);
        return [];
      }
      const released = settled.length === 0 ? labelledNow : settled.concat(labelledNow);
      if (released.length > 1) released.sort(compareRows);
      for (const row of released) ready.push(row);
      for (const row of observedNow) hold(row);
      return observedNow;
    },
    drain: () => {
      const rows = ready;
      ready = [];
      return rows;
    },
    drainQuarantined: () => {
      const events = quarantine;
      quarantine = [];
      return events;
    },
    get quarantined() {
      return quarantinedCount;
    },
    finish: () => {
      refuseWhenEnded();
      ended = 'is finished';
      const unlabelled = [...pending.values()].flat().sort(compareRows);
      pending.clear();
      pendingCount = 0;
      const rows = ready.concat(unlabelled);
      ready = [];
      return rows;
    },
    get state() {
      return state;
    },
    get position() {
      return position;
    },
    get held() {
      return pendingCount + ready.length;
    },
    get clock() {
      return clock;
    },
    get matured() {
      return maturedCount;
    },
    get unlabelled() {
      return pendingCount;
    },
    snapshot: () => ({
      view: { name: view.name, version: view.version, codeHash: view.codeHash },
      position: { ...position },
      state: stateToJson(state),
      labelled: jsonCopy(ready),
      unlabelled: jsonCopy([...pending.values()].flat().sort(compareRows)),
      clock,
    }),
  };
};

/** Runs a view over a whole log: every row, labelled ones first (see `FeatureRun.drain`). */
export const runFeatureView = <State>(
  view: FeatureView<State>,
  log: Iterable<LogEvent>,
): FeatureRow[] => {
  const run = createFeatureRun(view);
  const rows: FeatureRow[] = [];
  for (const event of log) {
    run.push(event);
    for (const row of run.drain()) rows.push(row);
  }
  for (const row of run.finish()) rows.push(row);
  return rows;
};
