// Unit tests of the prediction join: on a demo history with predictions sprinkled in, against
// an oracle that finds each prediction's outcome by scanning the rest of the log; resuming
// midway; other models; and the refusals (malformed or repeated predictions, events out of
// order, a failing view) on a small hand-made view.
import { describe, expect, it } from 'vitest';
import { stateFromJson, stateToJson } from '../../eventstore/stateJson.js';
import type { Position } from '../../eventstore/types.js';
import { createRandom } from '../../demo/random.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { generateDemoHistory, type DemoEvent } from '../../demo/workOrders.js';
import { FeatureViewError } from '../../ml/errors.js';
import {
  defineFeatureView,
  type FeatureViewDefinition,
  type Label,
  type LogEvent,
} from '../../ml/featureView.js';
import {
  createPredictionJoin,
  type JoinedLabel,
  type JoinedPrediction,
  type PendingPrediction,
  type PredictionJoin,
} from '../../ml/monitoring/predictionJoin.js';
import { HindsightError } from '../../platform/errors.js';
import { PREDICTION_MADE } from '../../platform/predictionEvents.js';
import { thrownBy } from '../support/thrown.js';
import { commitDemoLog, withCrossEntityEvents } from './workOrderOverrunOracle.js';

const MODEL = 'work_order_overrun_rf';
const OTHER_MODEL = 'work_order_overrun_gbm';
const view = workOrderOverrunView;

const uuid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const positionOf = (event: LogEvent): Position => ({
  transactionId: event.transactionId,
  globalPosition: event.globalPosition,
});
const entityOf = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1);

/**
 * A committed demo log with PredictionMade events of two models for open work orders (and a
 * few for an order that does not exist) at random points. The history is cut short, so some
 * orders never complete; some completions lose their `late` flag, so the view computes it from
 * the due date; and every event is recorded a little after its business time.
 */
const demoLogWithPredictions = (seed: number, workOrders: number): LogEvent[] => {
  const history = withCrossEntityEvents(
    generateDemoHistory({ seed, workOrders, technicians: 5 }),
    seed,
  );
  const rng = createRandom(seed * 31 + 7);
  const open = new Set<string>();
  const events: DemoEvent[] = [];
  let predictions = 0;
  const predict = (entityId: string, at: number): void => {
    predictions += 1;
    const predictionId = uuid(seed * 100_000 + predictions);
    events.push({
      streamId: `prediction-${predictionId}`,
      event: {
        type: PREDICTION_MADE,
        data: {
          predictionId,
          modelName: rng.chance(0.8) ? MODEL : OTHER_MODEL,
          modelVersion: String(rng.int(1, 3)),
          entityId,
          score: rng.int(0, 1000) / 1000,
        },
        occurredAt: at,
      },
    });
  };
  for (const item of history.slice(0, Math.floor(history.length * 0.85))) {
    let { event } = item;
    if (event.type === 'WorkOrderCompleted' && rng.chance(0.3)) {
      const data = { ...event.data };
      delete data.late;
      event = { ...event, data };
    }
    events.push({ ...item, event });
    const entityId = entityOf(item.streamId);
    if (event.type === 'WorkOrderCreated') open.add(entityId);
    if (event.type === 'WorkOrderCompleted') open.delete(entityId);
    const at = event.occurredAt ?? 0;
    while (open.size > 0 && rng.chance(0.2)) predict(rng.pick([...open]), at);
    if (rng.chance(0.01)) predict('WO-999999', at);
  }
  let clock = 0;
  return commitDemoLog(events, seed).map((event) => {
    clock = Math.max(clock, event.occurredAt) + rng.int(1, 90_000);
    return { ...event, recordedAt: clock };
  });
};

interface JoinResult {
  predicted: JoinedPrediction[];
  labelled: JoinedLabel[];
  pending: PendingPrediction[];
}

/** The join's output the slow, obvious way: for each prediction, scan the rest of the log. */
const oracle = (log: readonly LogEvent[], modelName: string): JoinResult => {
  const result: JoinResult = { predicted: [], labelled: [], pending: [] };
  const late = (completion: LogEvent): boolean => {
    if (typeof completion.data.late === 'boolean') return completion.data.late;
    const created = log.find(
      (e) => e.streamId === completion.streamId && e.type === 'WorkOrderCreated',
    );
    return completion.occurredAt > Date.parse(String(created?.data.dueAt));
  };
  log.forEach((event, i) => {
    if (event.type !== PREDICTION_MADE || event.data.modelName !== modelName) return;
    const predictionId = event.data.predictionId as string;
    const entityId = event.data.entityId as string;
    result.predicted.push({
      predictionId,
      modelVersion: event.data.modelVersion as string,
      entityId,
      score: event.data.score as number,
      predictedAt: event.recordedAt,
      position: positionOf(event),
    });
    const outcome = log
      .slice(i + 1)
      .find((e) => e.type === 'WorkOrderCompleted' && entityOf(e.streamId) === entityId);
    if (!outcome) {
      result.pending.push({ predictionId, entityId, position: positionOf(event) });
      return;
    }
    result.labelled.push({
      predictionId,
      entityId,
      label: late(outcome) ? 1 : 0,
      labelledAt: outcome.recordedAt,
      labelPosition: positionOf(outcome),
    });
  });
  // Released in log order of the outcome; predictions are already in log order (stable sort).
  const logIndex = new Map(log.map((e, i) => [`${e.transactionId}:${e.globalPosition}`, i]));
  const indexOf = (p: Position): number =>
    logIndex.get(`${p.transactionId}:${p.globalPosition}`) ?? -1;
  result.labelled.sort((a, b) => indexOf(a.labelPosition) - indexOf(b.labelPosition));
  return result;
};

type PushResult = ReturnType<PredictionJoin<unknown>['push']>;

const pushAll = <State>(join: PredictionJoin<State>, events: readonly LogEvent[]): PushResult[] =>
  events.map((event) => join.push(event));

const collect = (results: readonly PushResult[], join: PredictionJoin<unknown>): JoinResult => ({
  predicted: results.flatMap((r) => (r.predicted ? [r.predicted] : [])),
  labelled: results.flatMap((r) => r.labelled),
  pending: join.pendingPredictions(),
});

describe('prediction join on the demo history, against its oracle', () => {
  const cases = [
    { seed: 42, workOrders: 150 },
    { seed: 7, workOrders: 90 },
  ];
  for (const { seed, workOrders } of cases) {
    it(`joins every prediction to its order's first completion after it: seed ${seed}`, () => {
      const log = demoLogWithPredictions(seed, workOrders);
      const expected = oracle(log, MODEL);
      const join = createPredictionJoin(view, { modelName: MODEL });
      const actual = collect(pushAll(join, log), join);
      expect(actual).toEqual(expected);
      expect(join.pending).toBe(expected.pending.length);
      expect(join.position).toEqual(positionOf(log.at(-1) as LogEvent));

      // The match proves something only if the log exercises every case.
      expect(expected.predicted.length).toBeGreaterThan(100);
      expect(expected.pending.length).toBeGreaterThan(5);
      expect(expected.pending.some((p) => p.entityId === 'WO-999999')).toBe(true);
      expect(new Set(expected.labelled.map((l) => l.label))).toEqual(new Set([0, 1]));
      const completions = new Map(
        log.filter((e) => e.type === 'WorkOrderCompleted').map((e) => [e.eventId, e]),
      );
      const byPosition = new Map([...completions.values()].map((e) => [e.globalPosition, e]));
      const computed = expected.labelled.filter(
        (l) => typeof byPosition.get(l.labelPosition.globalPosition)?.data.late !== 'boolean',
      );
      expect(new Set(computed.map((l) => l.label))).toEqual(new Set([0, 1]));
      const perOutcome = new Map<number, number>();
      for (const l of expected.labelled) {
        const key = l.labelPosition.globalPosition;
        perOutcome.set(key, (perOutcome.get(key) ?? 0) + 1);
      }
      expect(Math.max(...perOutcome.values())).toBeGreaterThan(1);
      expect(log.some((e) => e.recordedAt !== e.occurredAt)).toBe(true);
      // Log order is (transaction id, global position), not global position alone.
      expect(log.some((e, i) => e.globalPosition < (log[i - 1]?.globalPosition ?? 0))).toBe(true);
    });
  }

  it('joins the other model only in its own join', () => {
    const log = demoLogWithPredictions(42, 150);
    const join = createPredictionJoin(view, { modelName: MODEL });
    const other = createPredictionJoin(view, { modelName: OTHER_MODEL });
    const ours = collect(pushAll(join, log), join);
    const theirs = collect(pushAll(other, log), other);
    expect(theirs).toEqual(oracle(log, OTHER_MODEL));
    expect(theirs.predicted.length).toBeGreaterThan(10);
    const ourIds = new Set([...ours.predicted, ...ours.pending].map((p) => p.predictionId));
    for (const p of [...theirs.predicted, ...theirs.pending]) {
      expect(ourIds.has(p.predictionId)).toBe(false);
    }
    for (const l of ours.labelled) {
      expect(theirs.predicted.some((p) => p.predictionId === l.predictionId)).toBe(false);
    }
    // Both views saw the same events: the same state.
    expect(stateToJson(other.state)).toBe(stateToJson(join.state));
  });
});

describe('resuming a prediction join', () => {
  const log = demoLogWithPredictions(11, 80);
  const whole = createPredictionJoin(view, { modelName: MODEL });
  const wholeResults = pushAll(whole, log);

  /** Runs up to `cut`, stores the join as JSON, and resumes a new one from it. */
  const resumedAt = (cut: number, keepPending = true): [PushResult[], PredictionJoin<unknown>] => {
    const first = createPredictionJoin(view, { modelName: MODEL });
    const results = pushAll(first, log.slice(0, cut));
    const stored = JSON.parse(
      JSON.stringify({
        state: stateToJson(first.state),
        position: first.position,
        pending: first.pendingPredictions(),
      }),
    ) as { state: string; position: Position; pending: PendingPrediction[] };
    const second = createPredictionJoin(view, {
      modelName: MODEL,
      state: stateFromJson(stored.state),
      position: stored.position,
      pending: keepPending ? stored.pending : [],
    });
    expect(second.pending).toBe(keepPending ? first.pending : 0);
    return [[...results, ...pushAll(second, log.slice(cut))], second];
  };

  const cuts = [0, 1, Math.floor(log.length / 3), Math.floor(log.length / 2), log.length - 1];
  for (const cut of cuts) {
    it(`gives the results of one pass when resumed after event ${cut}`, () => {
      const [results, second] = resumedAt(cut);
      expect(results).toEqual(wholeResults);
      expect(second.pendingPredictions()).toEqual(whole.pendingPredictions());
      expect(second.position).toEqual(whole.position);
      expect(stateToJson(second.state)).toBe(stateToJson(whole.state));
    });
  }

  it('needs the pending predictions: without them, their outcomes are lost', () => {
    const cut = Math.floor(log.length / 2);
    const first = createPredictionJoin(view, { modelName: MODEL });
    pushAll(first, log.slice(0, cut));
    expect(first.pending).toBeGreaterThan(3);
    const [results] = resumedAt(cut, false);
    expect(results).not.toEqual(wholeResults);
  });

  it('refuses events at or before the position it resumes from', () => {
    const cut = Math.floor(log.length / 2);
    const first = createPredictionJoin(view, { modelName: MODEL });
    pushAll(first, log.slice(0, cut));
    const second = createPredictionJoin(view, {
      modelName: MODEL,
      state: stateFromJson(stateToJson(first.state)),
      position: first.position,
      pending: first.pendingPredictions(),
    });
    const last = log[cut - 1] as LogEvent;
    expect(thrownBy(FeatureViewError, () => second.push(last)).fault).toBe('OUT_OF_ORDER');
    const earlier = log[cut - 2] as LogEvent;
    expect(thrownBy(FeatureViewError, () => second.push(earlier)).fault).toBe('OUT_OF_ORDER');
  });
});

// A small hand-made view: `Outcome` labels its stream's entity with `data.value`, `Both`
// labels B then A, `Boom` throws, `BadLabel` labels with 2. It records what it was given.
interface ToyState {
  applied: string[];
}
const toyDefinition: FeatureViewDefinition<ToyState> = {
  name: 'toy_outcomes',
  version: 1,
  featureNames: ['applied'],
  eventTypes: ['Outcome', 'Both', 'Boom', 'BadLabel', PREDICTION_MADE],
  initialState: () => ({ applied: [] }),
  apply: (state, event, emit) => {
    state.applied.push(event.eventId);
    emit.observe(event.streamId, { applied: state.applied.length });
    if (event.type === 'Boom') throw new Error('kaboom');
    if (event.type === 'BadLabel') emit.label(event.streamId, 2 as Label);
    if (event.type === 'Outcome') emit.label(event.streamId, event.data.value === 1 ? 1 : 0);
    if (event.type === 'Both') {
      emit.label('B', 1);
      emit.label('A', 0);
    }
  },
};
const toy = defineFeatureView(toyDefinition);

let eventCount = 0;
const toyEvent = (
  type: string,
  streamId: string,
  [transactionId, globalPosition]: [number, number],
  data: Record<string, unknown> = {},
): LogEvent => {
  eventCount += 1;
  return {
    eventId: `toy-${eventCount}`,
    streamId,
    streamVersion: 1,
    type,
    schemaVersion: 1,
    data,
    occurredAt: 1_000 * globalPosition,
    recordedAt: 1_000 * globalPosition + 7,
    globalPosition,
    transactionId,
  };
};
const predictionMade = (
  n: number,
  entityId: string,
  at: [number, number],
  data: Record<string, unknown> = {},
): LogEvent =>
  toyEvent(PREDICTION_MADE, `prediction-${uuid(n)}`, at, {
    predictionId: uuid(n),
    modelName: MODEL,
    modelVersion: '3',
    entityId,
    score: 0.25,
    ...data,
  });

describe('prediction join semantics on a toy view', () => {
  it('labels every earlier pending prediction of the entity, once', () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    const p1 = predictionMade(1, 'A', [10, 1]);
    expect(join.push(p1)).toEqual({
      predicted: {
        predictionId: uuid(1),
        modelVersion: '3',
        entityId: 'A',
        score: 0.25,
        predictedAt: p1.recordedAt,
        position: { transactionId: 10, globalPosition: 1 },
      },
      labelled: [],
      outcomes: [],
    });
    join.push(predictionMade(2, 'A', [11, 2]));
    join.push(predictionMade(3, 'B', [12, 3]));
    expect(join.pending).toBe(3);
    const outcome = toyEvent('Outcome', 'A', [13, 4], { value: 1 });
    expect(join.push(outcome)).toEqual({
      predicted: null,
      labelled: [uuid(1), uuid(2)].map((predictionId) => ({
        predictionId,
        entityId: 'A',
        label: 1,
        labelledAt: outcome.recordedAt,
        labelPosition: { transactionId: 13, globalPosition: 4 },
      })),
      // Every outcome, held predictions or not, for a store of earlier ones to apply.
      outcomes: [
        {
          entityId: 'A',
          label: 1,
          labelledAt: outcome.recordedAt,
          labelPosition: { transactionId: 13, globalPosition: 4 },
        },
      ],
    });
    expect(join.pendingPredictions()).toEqual([
      { predictionId: uuid(3), entityId: 'B', position: { transactionId: 12, globalPosition: 3 } },
    ]);
    const again = join.push(toyEvent('Outcome', 'A', [14, 5], { value: 0 }));
    expect(again.labelled).toEqual([]);
    expect(again.outcomes).toEqual([expect.objectContaining({ entityId: 'A', label: 0 })]);
    join.push(predictionMade(4, 'A', [15, 6]));
    expect(join.push(toyEvent('Outcome', 'A', [16, 7], { value: 0 })).labelled).toEqual([
      expect.objectContaining({ predictionId: uuid(4), label: 0 }),
    ]);
    expect(join.pending).toBe(1);
  });

  it('releases the labels of one event in log order of the predictions', () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    join.push(predictionMade(1, 'A', [10, 1]));
    join.push(predictionMade(2, 'B', [11, 2]));
    join.push(predictionMade(3, 'A', [12, 3]));
    const both = join.push(toyEvent('Both', 'x', [13, 4])).labelled;
    expect(both.map((l) => [l.predictionId, l.label])).toEqual([
      [uuid(1), 0],
      [uuid(2), 1],
      [uuid(3), 0],
    ]);
  });

  it('never gives PredictionMade to the view, and skips types it does not read', () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    const prediction = predictionMade(1, 'A', [10, 1]);
    const noise = toyEvent('Noise', 'A', [11, 2]);
    const outcome = toyEvent('Outcome', 'A', [12, 3], { value: 1 });
    join.push(prediction);
    expect(join.push(noise)).toEqual({ predicted: null, labelled: [], outcomes: [] });
    expect(join.position).toEqual({ transactionId: 11, globalPosition: 2 });
    join.push(outcome);
    expect(join.state.applied).toEqual([outcome.eventId]);

    const everything = { ...toyDefinition };
    delete everything.eventTypes;
    const unfiltered = createPredictionJoin(defineFeatureView(everything), { modelName: MODEL });
    for (const event of [prediction, noise, outcome]) unfiltered.push(event);
    expect(unfiltered.state.applied).toEqual([noise.eventId, outcome.eventId]);
  });

  it("skips other models' predictions, malformed or not, but moves past them", () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    const others = [
      predictionMade(1, 'A', [10, 1], { modelName: OTHER_MODEL }),
      predictionMade(2, 'A', [11, 2], { modelName: OTHER_MODEL, score: 7, predictionId: 'x' }),
      predictionMade(3, 'A', [12, 3], { modelName: undefined }),
    ];
    for (const event of others) {
      expect(join.push(event)).toEqual({ predicted: null, labelled: [], outcomes: [] });
      expect(join.position).toEqual(positionOf(event));
    }
    expect(join.pending).toBe(0);
    join.push(predictionMade(4, 'A', [13, 4]));
    expect(
      join.push(toyEvent('Outcome', 'A', [14, 5])).labelled.map((l) => l.predictionId),
    ).toEqual([uuid(4)]);
  });

  const malformed: [field: string, value: unknown][] = [
    ['predictionId', undefined],
    ['predictionId', 42],
    ['predictionId', 'not-a-uuid'],
    ['predictionId', uuid(1).toUpperCase().replace('0000-4000', '0000-4ABC')],
    ['modelVersion', undefined],
    ['modelVersion', 7],
    ['modelVersion', ''],
    ['entityId', undefined],
    ['entityId', null],
    ['entityId', ''],
    ['score', undefined],
    ['score', '0.5'],
    ['score', null],
    ['score', Number.NaN],
    ['score', Number.POSITIVE_INFINITY],
    ['score', -0.01],
    ['score', 1.01],
  ];
  for (const [field, value] of malformed) {
    it(`quarantines a PredictionMade whose ${field} is ${String(value)}, naming it`, () => {
      const join = createPredictionJoin(toy, { modelName: MODEL });
      join.push(predictionMade(1, 'A', [10, 1]));
      const bad = predictionMade(2, 'A', [11, 2], { [field]: value });
      if (value === undefined) delete bad.data[field];
      const step = join.push(bad);
      expect(step).toMatchObject({ predicted: null, labelled: [], outcomes: [] });
      expect(step.quarantined).toMatchObject({ eventId: bad.eventId, stage: 'schema' });
      expect(step.quarantined?.reason).toContain(`data.${field}`);
      // Nothing else changed: the join goes on past it as if it never came.
      expect(join.position).toEqual({ transactionId: 11, globalPosition: 2 });
      expect(join.pending).toBe(1);
      expect(join.push(predictionMade(2, 'A', [12, 3])).predicted?.predictionId).toBe(uuid(2));
    });
  }

  it('accepts scores of exactly 0 and 1', () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    expect(join.push(predictionMade(1, 'A', [10, 1], { score: 0 })).predicted?.score).toBe(0);
    expect(join.push(predictionMade(2, 'A', [11, 2], { score: 1 })).predicted?.score).toBe(1);
  });

  it('quarantines a prediction id made twice, pending or already labelled', () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    join.push(predictionMade(1, 'A', [10, 1]));
    const again = predictionMade(1, 'B', [11, 2]);
    const pendingTwice = join.push(again).quarantined;
    expect(pendingTwice?.reason).toContain(uuid(1));
    expect(pendingTwice?.reason).toContain(again.eventId);
    expect(join.pending).toBe(1);
    join.push(toyEvent('Outcome', 'A', [12, 3], { value: 1 }));
    expect(join.pending).toBe(0);
    const labelledTwice = join.push(predictionMade(1, 'A', [13, 4]));
    expect(labelledTwice.predicted).toBeNull();
    expect(labelledTwice.quarantined?.reason).toContain(uuid(1));
    expect(join.pending).toBe(0);
  });

  it('quarantines a prediction id that is pending when it resumes; refuses one pending twice', () => {
    const pending = [
      { predictionId: uuid(1), entityId: 'A', position: { transactionId: 10, globalPosition: 1 } },
    ];
    const resume = {
      state: toy.initialState(),
      position: { transactionId: 10, globalPosition: 1 },
    };
    const join = createPredictionJoin(toy, { modelName: MODEL, ...resume, pending });
    expect(join.push(predictionMade(1, 'B', [11, 2])).quarantined?.reason).toContain(uuid(1));
    const twice = thrownBy(HindsightError, () =>
      createPredictionJoin(toy, { modelName: MODEL, ...resume, pending: [...pending, ...pending] }),
    );
    expect(twice.code).toBe('INVALID_ARGUMENT');
    expect(twice.message).toContain(uuid(1));
  });

  it('refuses resume input that cannot be right', () => {
    const position = { transactionId: 10, globalPosition: 1 };
    const refused = (options: Parameters<typeof createPredictionJoin<ToyState>>[1]): string => {
      const error = thrownBy(HindsightError, () => createPredictionJoin(toy, options));
      expect(error.code).toBe('INVALID_ARGUMENT');
      return error.message;
    };
    expect(refused({ modelName: '' })).toContain('modelName');
    expect(refused({ modelName: MODEL, position })).toContain('state');
    expect(refused({ modelName: MODEL, state: toy.initialState() })).toContain('position');
    const later = { transactionId: 11, globalPosition: 1 };
    expect(
      refused({
        modelName: MODEL,
        state: toy.initialState(),
        position,
        pending: [{ predictionId: uuid(1), entityId: 'A', position: later }],
      }),
    ).toContain('pending[0].position');
    expect(
      refused({
        modelName: MODEL,
        state: toy.initialState(),
        position,
        pending: [{ predictionId: uuid(1), entityId: '', position }],
      }),
    ).toContain('pending[0].entityId');
  });

  it('refuses events not after the previous one, in (transaction id, global position) order', () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    join.push(toyEvent('Outcome', 'A', [100, 5]));
    for (const at of [
      [100, 5],
      [100, 4],
      [99, 50],
    ] as [number, number][]) {
      expect(thrownBy(FeatureViewError, () => join.push(toyEvent('Outcome', 'A', at))).fault).toBe(
        'OUT_OF_ORDER',
      );
      const late = predictionMade(9, 'A', at);
      expect(thrownBy(FeatureViewError, () => join.push(late)).fault).toBe('OUT_OF_ORDER');
    }
    expect(join.pending).toBe(0);
    // A later transaction may hold an earlier global position.
    expect(join.push(predictionMade(9, 'A', [101, 1])).predicted?.predictionId).toBe(uuid(9));
  });

  it('quarantines an event its apply throws on, naming the view, event type and id, and goes on', () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    join.push(predictionMade(1, 'A', [10, 1]));
    const boom = toyEvent('Boom', 'A', [11, 2]);
    const step = join.push(boom);
    expect(step).toMatchObject({ predicted: null, labelled: [], outcomes: [] });
    expect(step.quarantined).toMatchObject({ eventId: boom.eventId, stage: 'apply' });
    for (const part of ['toy_outcomes', 'Boom', boom.eventId, 'kaboom']) {
      expect(step.quarantined?.reason).toContain(part);
    }
    // The prediction still waits, and a later outcome labels it.
    expect(join.pending).toBe(1);
    const outcome = join.push(toyEvent('Outcome', 'A', [12, 3], { value: 1 }));
    expect(outcome.labelled.map((l) => l.predictionId)).toEqual([uuid(1)]);
  });

  it('quarantines an event the upcasters could not read without applying it', () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    join.push(predictionMade(1, 'A', [10, 1]));
    const poison = { ...toyEvent('Outcome', 'A', [11, 2], { value: 1 }), upcastError: 'no' };
    expect(join.push(poison).quarantined).toMatchObject({ stage: 'upcast', reason: 'no' });
    expect(join.pending).toBe(1);
  });

  it('refuses a label that is not 0 or 1', () => {
    const join = createPredictionJoin(toy, { modelName: MODEL });
    join.push(predictionMade(1, 'A', [10, 1]));
    const error = thrownBy(FeatureViewError, () => join.push(toyEvent('BadLabel', 'A', [11, 2])));
    expect(error.fault).toBe('INVALID_OBSERVATION');
  });
});
