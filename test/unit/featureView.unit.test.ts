// Unit tests of the feature-view contract and its incremental run, on small hand-made views.
import { describe, expect, it } from 'vitest';
import { FeatureViewError } from '../../ml/errors.js';
import { createFeatureRun, runFeatureView } from '../../ml/featureRun.js';
import {
  defineFeatureView,
  type FeatureEmitter,
  type FeatureRow,
  type FeatureViewDefinition,
  type LogEvent,
} from '../../ml/featureView.js';
import { stateFromJson, stateToJson } from '../../eventstore/stateJson.js';
import { generateDemoLog } from '../../demo/demoLog.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { HindsightError } from '../../platform/errors.js';

interface TallyState {
  ticks: Map<string, number>;
}

/**
 * A toy view. `Tick` counts for its stream's entity; `Observe` observes it (the count includes
 * nothing after this event); `Outcome` labels it with `data.value`.
 */
const tallyDefinition: FeatureViewDefinition<TallyState> = {
  name: 'tally',
  version: 1,
  featureNames: ['ticks', 'note'],
  featureTypes: { note: 'string' },
  initialState: () => ({ ticks: new Map() }),
  apply: (state, event, emit) => {
    const entity = event.streamId;
    if (event.type === 'Tick') state.ticks.set(entity, (state.ticks.get(entity) ?? 0) + 1);
    if (event.type === 'Observe') {
      emit.observe(entity, { ticks: state.ticks.get(entity) ?? 0, note: event.eventId });
    }
    if (event.type === 'Outcome') emit.label(entity, event.data.value === 1 ? 1 : 0);
  },
};
const tally = defineFeatureView(tallyDefinition);

let n = 0;
const ev = (
  streamId: string,
  type: string,
  data: Record<string, unknown> = {},
  at: { transactionId?: number; globalPosition?: number } = {},
): LogEvent => {
  n += 1;
  return {
    eventId: `e${n}`,
    streamId,
    streamVersion: 1,
    type,
    schemaVersion: 1,
    data,
    occurredAt: 1_000 * n,
    recordedAt: 1_000 * n,
    globalPosition: at.globalPosition ?? n,
    transactionId: at.transactionId ?? n,
  };
};

/** The code of a platform error (INVALID_ARGUMENT for bad definitions). */
const code = (error: unknown): string | undefined =>
  error instanceof HindsightError ? error.code : undefined;
/** The fault of a FeatureViewError (a bug in the view or in how it is driven). */
const fault = (error: unknown): string | undefined =>
  error instanceof FeatureViewError ? error.fault : undefined;
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('defineFeatureView', () => {
  it('refuses malformed names, versions and features', () => {
    const bad: Partial<FeatureViewDefinition<TallyState>>[] = [
      { name: 'Tally' },
      { name: '' },
      { version: 0 },
      { version: 1.5 },
      { featureNames: [] },
      { featureNames: ['ticks', 'ticks'] },
      { featureNames: ['Ticks'] },
      { featureNames: ['label'] },
      { featureNames: ['observed_at'] },
    ];
    for (const change of bad) {
      const error = thrown(() => defineFeatureView({ ...tallyDefinition, ...change }));
      expect(code(error), JSON.stringify(change)).toBe('INVALID_ARGUMENT');
    }
  });

  it('freezes the view and its feature names', () => {
    expect(Object.isFrozen(tally)).toBe(true);
    expect(Object.isFrozen(tally.featureNames)).toBe(true);
  });
});

describe('codeHash', () => {
  it('is a sha256 hex, the same for the same definition', () => {
    expect(tally.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(defineFeatureView(tallyDefinition).codeHash).toBe(tally.codeHash);
    expect(defineFeatureView({ ...workOrderOverrunView }).codeHash).toBe(
      workOrderOverrunView.codeHash,
    );
  });

  it('changes when the code changes: apply, initialState, helpers or constants', () => {
    const helper = (x: number): number => x + 1;
    const editedHelper = (x: number): number => x + 2;
    const variants: Partial<FeatureViewDefinition<TallyState>>[] = [
      { name: 'tally_two' },
      { version: 2 },
      { featureNames: ['note', 'ticks'] },
      { eventTypes: ['Tick', 'Observe', 'Outcome'] },
      { initialState: () => ({ ticks: new Map([['x', 1]]) }) },
      {
        apply: (state, event, emit) => {
          // The same as tally's, counting ticks twice.
          const entity = event.streamId;
          if (event.type === 'Tick') state.ticks.set(entity, (state.ticks.get(entity) ?? 0) + 2);
          if (event.type === 'Observe') {
            emit.observe(entity, { ticks: state.ticks.get(entity) ?? 0, note: event.eventId });
          }
          if (event.type === 'Outcome') emit.label(entity, event.data.value === 1 ? 1 : 0);
        },
      },
      { code: [helper] },
      { constants: { weight: 2 } },
    ];
    const hashes = variants.map((v) => defineFeatureView({ ...tallyDefinition, ...v }).codeHash);
    expect(new Set([tally.codeHash, ...hashes]).size).toBe(variants.length + 1);
    expect(defineFeatureView({ ...tallyDefinition, code: [editedHelper] }).codeHash).not.toBe(
      defineFeatureView({ ...tallyDefinition, code: [helper] }).codeHash,
    );
    expect(defineFeatureView({ ...tallyDefinition, constants: { weight: 3 } }).codeHash).not.toBe(
      defineFeatureView({ ...tallyDefinition, constants: { weight: 2 } }).codeHash,
    );
  });

  it("covers the demo view's helpers and constants", () => {
    const demo = workOrderOverrunView;
    const [firstHelper, ...otherHelpers] = demo.code ?? [];
    expect(firstHelper).toBeDefined();
    const edited = [(() => 0) as NonNullable<typeof firstHelper>, ...otherHelpers];
    expect(defineFeatureView({ ...demo, code: edited }).codeHash).not.toBe(demo.codeHash);
    expect(
      defineFeatureView({ ...demo, constants: { ...demo.constants, priorWeight: 3 } }).codeHash,
    ).not.toBe(demo.codeHash);
  });
});

describe('createFeatureRun: order', () => {
  it('takes events in log order and refuses one that is not after the previous', () => {
    const run = createFeatureRun(tally);
    run.push(ev('a', 'Tick', {}, { transactionId: 10, globalPosition: 50 }));
    // Log order is (transaction id, global position): a later transaction may hold lower ones.
    run.push(ev('a', 'Tick', {}, { transactionId: 11, globalPosition: 40 }));
    run.push(ev('a', 'Tick', {}, { transactionId: 11, globalPosition: 41 }));
    for (const at of [
      { transactionId: 11, globalPosition: 41 },
      { transactionId: 11, globalPosition: 39 },
      { transactionId: 10, globalPosition: 60 },
    ]) {
      expect(fault(thrown(() => run.push(ev('a', 'Tick', {}, at))))).toBe('OUT_OF_ORDER');
    }
    expect(run.position).toEqual({ transactionId: 11, globalPosition: 41 });
    expect(run.state.ticks.get('a')).toBe(3);
  });

  it('skips event types the view does not read, yet keeps their order', () => {
    const run = createFeatureRun(
      defineFeatureView({ ...tallyDefinition, eventTypes: ['Observe', 'Outcome'] }),
    );
    run.push(ev('a', 'Tick'));
    expect(run.state.ticks.size).toBe(0);
    const late = ev('a', 'Tick', {}, { transactionId: 1, globalPosition: 1 });
    expect(fault(thrown(() => run.push(late)))).toBe('OUT_OF_ORDER');
  });

  it('quarantines an event its apply throws on, gives back what that event took, and goes on', () => {
    const failing = defineFeatureView({
      ...tallyDefinition,
      apply: (state, event, emit) => {
        tallyDefinition.apply(state, event, emit);
        if (event.type === 'Outcome' && event.data.boom === true) throw new Error('boom');
      },
    });
    const run = createFeatureRun(failing);
    run.push(ev('a', 'Tick'));
    const [observed] = run.push(ev('a', 'Observe'));
    const poison = ev('a', 'Outcome', { value: 1, boom: true });
    // The label it gave before it threw does not stay: the observation waits on.
    expect(run.push(poison)).toEqual([]);
    expect(run.drain()).toEqual([]);
    expect(run.unlabelled).toBe(1);
    expect(run.quarantined).toBe(1);
    const [record] = run.drainQuarantined();
    expect(record).toEqual({
      eventId: poison.eventId,
      streamId: 'a',
      type: 'Outcome',
      schemaVersion: 1,
      position: { transactionId: poison.transactionId, globalPosition: poison.globalPosition },
      stage: 'apply',
      reason: expect.stringMatching(
        /^feature view 'tally' failed at event .* \(Outcome of a\): boom$/,
      ) as unknown,
    });
    expect(run.drainQuarantined()).toEqual([]);
    // The run goes on: a later outcome labels the observation.
    const outcome = ev('a', 'Outcome', { value: 0 });
    run.push(outcome);
    expect(run.drain()).toEqual([
      {
        ...observed,
        label: 0,
        labelPosition: {
          transactionId: outcome.transactionId,
          globalPosition: outcome.globalPosition,
        },
        labelledAt: outcome.occurredAt,
      },
    ]);
  });

  it('quarantines an event the upcasters could not read without applying it', () => {
    let applied = 0;
    const counting = defineFeatureView({
      ...tallyDefinition,
      apply: (state, event, emit) => {
        applied += 1;
        tallyDefinition.apply(state, event, emit);
      },
    });
    const run = createFeatureRun(counting);
    const poison = { ...ev('a', 'Tick'), upcastError: 'the upcaster of Tick from v1 to v2 failed' };
    expect(run.push(poison)).toEqual([]);
    expect(applied).toBe(0);
    expect(run.state.ticks.size).toBe(0);
    expect(run.drainQuarantined()).toMatchObject([
      { eventId: poison.eventId, stage: 'upcast', reason: poison.upcastError },
    ]);
    // Its position is passed: the log goes on after it.
    expect(fault(thrown(() => run.push({ ...poison, upcastError: undefined })))).toBe(
      'OUT_OF_ORDER',
    );
    run.push(ev('a', 'Tick'));
    expect(run.state.ticks.get('a')).toBe(1);
  });

  it('refuses every event after finish', () => {
    const done = createFeatureRun(tally);
    done.finish();
    expect(fault(thrown(() => done.push(ev('a', 'Tick'))))).toBe('RUN_FINISHED');
    expect(fault(thrown(() => done.finish()))).toBe('RUN_FINISHED');
  });
});

describe('createFeatureRun: observations', () => {
  it('returns the observations made at each event, with the features as they were then', () => {
    const run = createFeatureRun(tally);
    run.push(ev('a', 'Tick'));
    const observe = ev('a', 'Observe');
    const [row] = run.push(observe);
    run.push(ev('a', 'Tick'));
    expect(row).toEqual({
      entityId: 'a',
      observedAt: observe.occurredAt,
      position: { transactionId: observe.transactionId, globalPosition: observe.globalPosition },
      features: { ticks: 1, note: observe.eventId },
      label: null,
      labelPosition: null,
      labelledAt: null,
    });
    expect(run.push(ev('a', 'Tick'))).toEqual([]);
  });

  it('copies the features: a view that reuses its object cannot change a row afterwards', () => {
    const shared = { ticks: 0, note: '' };
    const reusing = defineFeatureView<TallyState>({
      ...tallyDefinition,
      apply: (_state, event, emit) => {
        shared.ticks += 1;
        if (event.type === 'Observe') emit.observe('a', shared);
      },
    });
    const run = createFeatureRun(reusing);
    const [row] = run.push(ev('a', 'Observe'));
    run.push(ev('a', 'Tick'));
    run.push(ev('a', 'Tick'));
    expect(row?.features.ticks).toBe(1);
    expect(run.finish()[0]?.features.ticks).toBe(1);
  });

  it('refuses observations that miss features, add some, or hold non-values', () => {
    const bad: Record<string, unknown>[] = [
      { ticks: 1 },
      { ticks: 1, note: 'x', extra: 2 },
      { ticks: Number.NaN, note: 'x' },
      { ticks: Number.POSITIVE_INFINITY, note: 'x' },
      { ticks: { n: 1 }, note: 'x' },
      { ticks: undefined, note: 'x' },
    ];
    for (const features of bad) {
      const view = defineFeatureView<TallyState>({
        ...tallyDefinition,
        apply: (_state, _event, emit) => emit.observe('a', features as never),
      });
      const error = thrown(() => createFeatureRun(view).push(ev('a', 'Observe')));
      expect(fault(error), JSON.stringify(features)).toBe('INVALID_OBSERVATION');
    }
  });

  it('refuses two observations of one entity at one event, and emitting outside apply', () => {
    let kept: FeatureEmitter | undefined;
    const twice = defineFeatureView<TallyState>({
      ...tallyDefinition,
      apply: (_state, event, emit) => {
        kept = emit;
        emit.observe('a', { ticks: 0, note: '' });
        if (event.type === 'Twice') emit.observe('a', { ticks: 0, note: '' });
        else emit.observe('b', { ticks: 0, note: '' });
      },
    });
    const run = createFeatureRun(twice);
    expect(run.push(ev('a', 'Once'))).toHaveLength(2);
    expect(fault(thrown(() => run.push(ev('a', 'Twice'))))).toBe('INVALID_OBSERVATION');
    expect(fault(thrown(() => kept?.observe('c', { ticks: 0, note: '' })))).toBe(
      'INVALID_OBSERVATION',
    );
    expect(fault(thrown(() => kept?.label('a', 1)))).toBe('INVALID_OBSERVATION');
  });
});

describe('createFeatureRun: labels', () => {
  it("labels every earlier unlabelled observation of the entity, and no one else's", () => {
    const rows = runFeatureView(tally, [
      ev('a', 'Observe'),
      ev('b', 'Observe'),
      ev('a', 'Tick'),
      ev('a', 'Observe'),
      ev('a', 'Outcome', { value: 1 }),
      ev('a', 'Observe'),
      ev('c', 'Outcome', { value: 1 }),
    ]);
    expect(rows.map((r) => [r.entityId, r.features.ticks, r.label, r.labelPosition])).toEqual([
      ['a', 0, 1, { transactionId: n - 2, globalPosition: n - 2 }],
      ['a', 1, 1, { transactionId: n - 2, globalPosition: n - 2 }],
      ['b', 0, null, null],
      ['a', 1, null, null],
    ]);
  });

  it('never gives an observation an outcome recorded before it, or at its own event', () => {
    const both = (labelFirst: boolean): FeatureViewDefinition<TallyState>['apply'] => {
      return (_state, event, emit) => {
        const observe = (): void => emit.observe(event.streamId, { ticks: 0, note: '' });
        const label = (): void => emit.label(event.streamId, 1);
        if (event.type !== 'Both') return;
        if (labelFirst) {
          label();
          observe();
        } else {
          observe();
          label();
        }
      };
    };
    for (const labelFirst of [true, false]) {
      const view = defineFeatureView({ ...tallyDefinition, apply: both(labelFirst) });
      const rows = runFeatureView(view, [ev('a', 'Both'), ev('a', 'Both'), ev('a', 'Tick')]);
      // The second event's outcome labels the first event's observation, never its own.
      expect(rows.map((r) => [r.features.note, r.label])).toEqual([
        ['', 1],
        ['', null],
      ]);
      expect(rows[0]?.labelPosition).toEqual(rows[1]?.position);
    }
    const labelThenObserve = runFeatureView(tally, [
      ev('a', 'Outcome', { value: 1 }),
      ev('a', 'Observe'),
    ]);
    expect(labelThenObserve.map((r) => r.label)).toEqual([null]);
  });

  it('refuses a label that is not 0 or 1', () => {
    const view = defineFeatureView<TallyState>({
      ...tallyDefinition,
      apply: (_state, _event, emit) => emit.label('a', 2 as never),
    });
    expect(fault(thrown(() => createFeatureRun(view).push(ev('a', 'Outcome'))))).toBe(
      'INVALID_OBSERVATION',
    );
  });
});

describe('createFeatureRun: release and memory', () => {
  const log = [...generateDemoLog({ workOrders: 150, seed: 17 })];

  it('releases the same rows in the same order however often it is drained', () => {
    const cadence = (every: number): FeatureRow[] => {
      const run = createFeatureRun(workOrderOverrunView);
      const rows: FeatureRow[] = [];
      log.forEach((event, i) => {
        run.push(event);
        if (i % every === 0) rows.push(...run.drain());
      });
      return [...rows, ...run.finish()];
    };
    const always = cadence(1);
    expect(cadence(7)).toEqual(always);
    expect(cadence(1_000_000)).toEqual(always);
    expect(runFeatureView(workOrderOverrunView, log)).toEqual(always);
  });

  it('holds only unlabelled observations after a drain, then hands them over at finish', () => {
    const run = createFeatureRun(workOrderOverrunView);
    const cut = Math.floor(log.length / 2);
    for (const event of log.slice(0, cut)) run.push(event);
    expect(run.held).toBeGreaterThan(run.unlabelled);
    const drained = run.drain();
    expect(drained.length).toBeGreaterThan(0);
    expect(drained.every((row) => row.label !== null)).toBe(true);
    expect(run.held).toBe(run.unlabelled);
    expect(run.drain()).toEqual([]);
    const waiting = run.unlabelled;
    const rest = run.finish();
    expect(rest).toHaveLength(waiting);
    expect(rest.every((row) => row.label === null)).toBe(true);
    expect(rest.map((row) => row.position.globalPosition)).toEqual(
      rest.map((row) => row.position.globalPosition).sort((a, b) => a - b),
    );
    expect(run.held).toBe(0);
  });
});

describe('snapshots', () => {
  const log = [...generateDemoLog({ workOrders: 120, seed: 19 })];

  it('resume a run where it stopped, through JSON, to the very same rows', () => {
    const whole = runFeatureView(workOrderOverrunView, log);
    for (const cut of [1, Math.floor(log.length / 3), log.length - 1]) {
      const first = createFeatureRun(workOrderOverrunView);
      const rows: FeatureRow[] = [];
      for (const event of log.slice(0, cut)) {
        first.push(event);
        rows.push(...first.drain());
      }
      const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as ReturnType<
        typeof first.snapshot
      >;
      const second = createFeatureRun(workOrderOverrunView, { resume: snapshot });
      expect(second.position).toEqual(first.position);
      expect(second.unlabelled).toBe(first.unlabelled);
      for (const event of log.slice(cut)) {
        second.push(event);
        rows.push(...second.drain());
      }
      rows.push(...second.finish());
      expect(rows).toEqual(whole);
    }
  });

  it('refuse to resume with other code', () => {
    const run = createFeatureRun(tally);
    run.push(ev('a', 'Tick'));
    const other = defineFeatureView({ ...tallyDefinition, constants: { changed: true } });
    const error = thrown(() => createFeatureRun(other, { resume: run.snapshot() }));
    expect(fault(error)).toBe('SNAPSHOT_MISMATCH');
  });

  it('write Maps and Sets as JSON and read them back, whatever their keys', () => {
    const state = {
      byId: new Map<string, unknown>([
        ['__proto__', { n: 1 }],
        ['toString', new Set(['x', 'y'])],
      ]),
      plain: { list: [1, 'two', null, true] },
    };
    const json = stateToJson(state);
    expect(JSON.parse(json)).toEqual({
      byId: {
        $map: [
          ['__proto__', { n: 1 }],
          ['toString', { $set: ['x', 'y'] }],
        ],
      },
      plain: { list: [1, 'two', null, true] },
    });
    expect(stateFromJson(json)).toEqual(state);
  });
});
