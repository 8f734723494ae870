// Unit tests of label horizons: the log clock, maturity of pending observations, and the churn
// view of the issue, whose reorder rate on mature rows is known analytically.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JsonObject, Position } from '../../eventstore/types.js';
import { createRandom } from '../../demo/random.js';
import { splitDataset } from '../../ml/dataset.js';
import { FeatureViewError } from '../../ml/errors.js';
import { createFeatureRun, runFeatureView, type FeatureRunSnapshot } from '../../ml/featureRun.js';
import {
  defineFeatureView,
  type FeatureRow,
  type FeatureView,
  type FeatureViewDefinition,
  type LabelHorizon,
  type LogEvent,
} from '../../ml/featureView.js';
import { HindsightError } from '../../platform/errors.js';

const DAY = 86_400_000;

interface EventSpec {
  type: string;
  entity: string;
  /** Business time (`occurredAt`). */
  at: number;
  data?: JsonObject;
  upcastError?: string;
}

/** Transaction ids and global positions differ, so that a swap of the two shows. */
const positionAt = (index: number): Position => ({
  transactionId: 10 + index,
  globalPosition: 1 + index,
});

/** Events in commit order: the i-th is at `positionAt(i)`, whatever its business time. */
const logOf = (specs: readonly EventSpec[]): LogEvent[] =>
  specs.map((spec, i) => ({
    eventId: `e${i}`,
    streamId: spec.entity,
    streamVersion: 1,
    type: spec.type,
    schemaVersion: 1,
    data: spec.data ?? {},
    occurredAt: spec.at,
    recordedAt: spec.at,
    ...positionAt(i),
    ...(spec.upcastError === undefined ? {} : { upcastError: spec.upcastError }),
  }));

const observe = (entity: string, at: number): EventSpec => ({ type: 'Observe', entity, at });
const outcome = (entity: string, at: number, value: 0 | 1 = 1): EventSpec => ({
  type: 'Outcome',
  entity,
  at,
  data: { value },
});
const tick = (at: number): EventSpec => ({ type: 'Tick', entity: 'clock', at });
/** Labels its entity, then throws: the run quarantines it. */
const boom = (entity: string, at: number): EventSpec => ({
  type: 'Boom',
  entity,
  at,
  data: { value: 1 },
});

interface ProbeState {
  seen: Map<string, number>;
}

/**
 * `Observe` observes its entity, `Outcome` labels it, `Tick` only moves the clock, `Boom`
 * labels its entity and throws. No horizon here: `probeWith` adds one.
 */
const probeDefinition: FeatureViewDefinition<ProbeState> = {
  name: 'probe',
  version: 1,
  featureNames: ['seen'],
  eventTypes: ['Observe', 'Outcome', 'Tick', 'Boom'],
  initialState: () => ({ seen: new Map() }),
  apply: (state, event, emit) => {
    const entity = event.streamId;
    if (event.type === 'Outcome' || event.type === 'Boom') {
      emit.label(entity, event.data.value === 1 ? 1 : 0);
    }
    if (event.type === 'Boom') throw new Error('boom');
    if (event.type === 'Observe') {
      const seen = (state.seen.get(entity) ?? 0) + 1;
      state.seen.set(entity, seen);
      emit.observe(entity, { seen });
    }
  },
};
const probeWith = (labelHorizon: LabelHorizon | undefined): FeatureView<ProbeState> =>
  defineFeatureView(labelHorizon ? { ...probeDefinition, labelHorizon } : probeDefinition);
const probe = probeWith({ within: 10, otherwise: 0 });

/** Pushes the events one by one and returns what each push released (drained). */
const releasesOf = <State>(view: FeatureView<State>, log: readonly LogEvent[]) => {
  const run = createFeatureRun(view);
  const released = log.map((event) => {
    run.push(event);
    return run.drain();
  });
  return { run, released };
};

const summary = (row: FeatureRow) => ({
  entityId: row.entityId,
  label: row.label,
  labelPosition: row.labelPosition,
  labelledAt: row.labelledAt,
});

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('the churn view of the issue', () => {
  // Customers place orders; a customer is observed at each order and labelled 1 if they order
  // again within 30 days, else 0. Gaps between a customer's orders are exponential with a known
  // mean, so the true reorder probability within 30 days is 1 - exp(-30 / mean).
  const HORIZON_DAYS = 30;
  const MEAN_GAP_DAYS = 20;
  const SPAN_DAYS = 365;
  const CUSTOMERS = 300;
  const START_AT = Date.UTC(2025, 0, 1);

  interface ChurnState {
    orders: Map<string, number>;
  }
  const churn = defineFeatureView<ChurnState>({
    name: 'customer_churn',
    version: 1,
    featureNames: ['orders_so_far'],
    eventTypes: ['OrderPlaced'],
    labelHorizon: { within: HORIZON_DAYS * DAY, otherwise: 0 },
    initialState: () => ({ orders: new Map() }),
    apply: (state, event, emit) => {
      const customer = event.streamId;
      // Ordering again is the outcome of the customer's previous observation.
      emit.label(customer, 1);
      const orders = (state.orders.get(customer) ?? 0) + 1;
      state.orders.set(customer, orders);
      emit.observe(customer, { orders_so_far: orders });
    },
  });

  const random = createRandom(41);
  const orders: { customer: string; at: number }[] = [];
  for (let c = 0; c < CUSTOMERS; c++) {
    const customer = `c${String(c).padStart(3, '0')}`;
    const gap = () => random.exponential(MEAN_GAP_DAYS * DAY);
    for (let at = START_AT + gap(); at < START_AT + SPAN_DAYS * DAY; at += gap()) {
      orders.push({ customer, at: Math.round(at) });
    }
  }
  // Committed in business-time order: nothing is backdated here.
  orders.sort((a, b) => a.at - b.at || (a.customer < b.customer ? -1 : 1));
  const log = logOf(
    orders.map(({ customer, at }) => ({ type: 'OrderPlaced', entity: customer, at })),
  );
  const within = HORIZON_DAYS * DAY;

  const run = createFeatureRun(churn);
  const rows: FeatureRow[] = [];
  for (const event of log) {
    run.push(event);
    rows.push(...run.drain());
  }
  const clock = run.clock as number;
  const matured = run.matured;
  rows.push(...run.finish());

  /** Each observation's truth: the customer's next order, if any, by its log index. */
  const nextOrder = new Map<string, number | undefined>();
  const lastIndex = new Map<string, number>();
  orders.forEach(({ customer }, i) => {
    const previous = lastIndex.get(customer);
    if (previous !== undefined) nextOrder.set(`${customer}@${previous}`, i);
    nextOrder.set(`${customer}@${i}`, undefined);
    lastIndex.set(customer, i);
  });
  const indexOf = (row: FeatureRow): number => row.position.globalPosition - 1;

  it('gives every mature observation the label its next order decides, at the right place', () => {
    expect(clock).toBe(orders.at(-1)?.at);
    expect(rows).toHaveLength(orders.length);
    let checked = 0;
    for (const row of rows) {
      const i = indexOf(row);
      const order = orders[i] as { customer: string; at: number };
      expect(row.entityId).toBe(order.customer);
      expect(row.observedAt).toBe(order.at);
      const next = nextOrder.get(`${order.customer}@${i}`);
      const nextAt = next === undefined ? undefined : orders[next]?.at;
      if (row.observedAt + within >= clock) {
        // Not mature at the end of the log: only a reorder can have labelled it yet.
        if (nextAt === undefined) expect(row.label).toBeNull();
        else expect(summary(row)).toMatchObject({ label: 1, labelledAt: nextAt });
        continue;
      }
      checked += 1;
      if (nextAt !== undefined && nextAt <= row.observedAt + within) {
        expect(summary(row)).toEqual({
          entityId: order.customer,
          label: 1,
          labelPosition: positionAt(next as number),
          labelledAt: nextAt,
        });
      } else {
        // Settled by the first event whose business time passed the horizon.
        const settler = orders.findIndex((o) => o.at > row.observedAt + within);
        expect(summary(row)).toEqual({
          entityId: order.customer,
          label: 0,
          labelPosition: positionAt(settler),
          labelledAt: row.observedAt + within,
        });
      }
    }
    expect(checked).toBeGreaterThan(4000);
    expect(matured).toBe(rows.filter((row) => row.label === 0).length);
  });

  it('has the analytic reorder rate on the rows a split uses, and leaves the immature out', () => {
    const split = splitDataset(rows, {
      validationFraction: 0.2,
      testFraction: 0.2,
      purge: false,
      labelHorizon: churn.labelHorizon ?? null,
      clock,
    });
    const used = rows.filter((_, i) =>
      ['train', 'validation', 'test'].includes(split.splits[i] as string),
    );
    const immature = rows.filter((row) => row.observedAt + within >= clock);
    expect(split.counts.immature).toBe(immature.length);
    expect(immature.length).toBeGreaterThan(0);
    expect(used).toHaveLength(rows.length - immature.length);
    expect(used.every((row) => row.observedAt + within < clock)).toBe(true);

    const p = 1 - Math.exp(-HORIZON_DAYS / MEAN_GAP_DAYS);
    const rate = used.filter((row) => row.label === 1).length / used.length;
    const standardError = Math.sqrt((p * (1 - p)) / used.length);
    expect(Math.abs(rate - p)).toBeLessThan(4 * standardError);

    // What the horizon keeps out: among immature rows only the fast reorders have a label, so
    // counting them would inflate the rate.
    const immatureLabelled = immature.filter((row) => row.label !== null);
    expect(immatureLabelled.length).toBeGreaterThan(0);
    expect(immatureLabelled.every((row) => row.label === 1)).toBe(true);
  });
});

describe('maturity', () => {
  it('counts an outcome at exactly the horizon, even when the clock reached it first', () => {
    for (const specs of [
      [observe('a', 100), outcome('a', 110)],
      [observe('a', 100), tick(110), outcome('a', 110)],
    ]) {
      const { run, released } = releasesOf(probe, logOf(specs));
      expect(released.flat().map(summary)).toEqual([
        { entityId: 'a', label: 1, labelPosition: positionAt(specs.length - 1), labelledAt: 110 },
      ]);
      expect(run.matured).toBe(0);
      expect(run.clock).toBe(110);
    }
  });

  it('settles an observation once the clock is past its horizon; a later outcome changes nothing', () => {
    const { run, released } = releasesOf(
      probe,
      logOf([observe('a', 100), tick(111), outcome('a', 112), tick(200)]),
    );
    expect(released.map((rows) => rows.map(summary))).toEqual([
      [],
      [{ entityId: 'a', label: 0, labelPosition: positionAt(1), labelledAt: 110 }],
      [],
      [],
    ]);
    expect(run.matured).toBe(1);
    expect(run.unlabelled).toBe(0);
    expect(run.finish()).toEqual([]);
  });

  it('settles before the event applies: an outcome that itself passes the horizon is too late', () => {
    const { released } = releasesOf(probe, logOf([observe('a', 100), outcome('a', 111)]));
    expect(released[1]?.map(summary)).toEqual([
      { entityId: 'a', label: 0, labelPosition: positionAt(1), labelledAt: 110 },
    ]);
  });

  it("gives 'otherwise' as the label: 1 as well as 0", () => {
    const view = probeWith({ within: 10, otherwise: 1 });
    const rows = runFeatureView(view, logOf([observe('a', 0), observe('b', 5), tick(11)]));
    expect(rows.map(summary)).toEqual([
      { entityId: 'a', label: 1, labelPosition: positionAt(2), labelledAt: 10 },
      { entityId: 'b', label: null, labelPosition: null, labelledAt: null },
    ]);
  });

  it("drops an observation that matures without an outcome when 'otherwise' is 'drop'", () => {
    const view = probeWith({ within: 10, otherwise: 'drop' });
    const { run, released } = releasesOf(
      view,
      logOf([observe('a', 0), observe('b', 2), outcome('b', 12, 0), tick(13), tick(50)]),
    );
    // b's outcome came within its horizon (2 + 10); a was dropped at the outcome's event.
    expect(released.flat().map(summary)).toEqual([
      { entityId: 'b', label: 0, labelPosition: positionAt(2), labelledAt: 12 },
    ]);
    expect(run.matured).toBe(1);
    expect(run.unlabelled).toBe(0);
    expect(run.held).toBe(0);
    expect(run.finish()).toEqual([]);
  });

  it('releases settled rows with the labels of the event, in canonical order', () => {
    // y is backdated: observed after x in the log but earlier in business time, so it matures
    // first; the rows still come out by label position, then observation position.
    const { released } = releasesOf(
      probe,
      logOf([observe('x', 50), observe('z', 52), observe('y', 45), outcome('z', 61)]),
    );
    expect(released.slice(0, 3).flat()).toEqual([]);
    expect(released[3]?.map(summary)).toEqual([
      { entityId: 'x', label: 0, labelPosition: positionAt(3), labelledAt: 60 },
      { entityId: 'z', label: 1, labelPosition: positionAt(3), labelledAt: 61 },
      { entityId: 'y', label: 0, labelPosition: positionAt(3), labelledAt: 55 },
    ]);
    expect(released[3]?.map((row) => row.position)).toEqual([0, 1, 2].map(positionAt));
  });

  it('never settles anything without a horizon, however far the clock goes', () => {
    const { run, released } = releasesOf(
      probeWith(undefined),
      logOf([observe('a', 0), tick(1_000_000)]),
    );
    expect(released.flat()).toEqual([]);
    expect(run.clock).toBe(1_000_000);
    expect(run.matured).toBe(0);
    expect(run.unlabelled).toBe(1);
  });
});

describe('the log clock', () => {
  it('is null before any event, then the newest business time of the view’s own event types', () => {
    const run = createFeatureRun(probe);
    expect(run.clock).toBeNull();
    const log = logOf([observe('a', 100), { type: 'Unread', entity: 'x', at: 500 }, tick(105)]);
    run.push(log[0] as LogEvent);
    expect(run.clock).toBe(100);
    // A type the view does not read moves nothing, not even far ahead in business time.
    run.push(log[1] as LogEvent);
    expect(run.clock).toBe(100);
    expect(run.unlabelled).toBe(1);
    run.push(log[2] as LogEvent);
    expect(run.clock).toBe(105);
  });

  it('does not move back for a backdated event, which matures nothing', () => {
    const { run, released } = releasesOf(
      probe,
      logOf([observe('a', 100), tick(105), tick(5), outcome('zz', 1), tick(111)]),
    );
    expect(released.slice(0, 4).flat()).toEqual([]);
    expect(released[4]?.map(summary)).toEqual([
      { entityId: 'a', label: 0, labelPosition: positionAt(4), labelledAt: 110 },
    ]);
    expect(run.clock).toBe(111);
  });

  it('leaves a backdated observation past its horizon to be settled at the next event', () => {
    // Observed at 20 when the clock is already 105: its horizon (30) has passed, so the next
    // event settles it before applying, even an outcome for it dated within the horizon.
    const { run, released } = releasesOf(
      probe,
      logOf([tick(105), observe('b', 20), outcome('b', 25)]),
    );
    expect(released[1]).toEqual([]);
    expect(released[2]?.map(summary)).toEqual([
      { entityId: 'b', label: 0, labelPosition: positionAt(2), labelledAt: 30 },
    ]);
    expect(run.clock).toBe(105);
  });

  it('moves for an event whose apply throws (the rows it settled stay), not for an unreadable one', () => {
    const log = logOf([
      observe('a', 0),
      observe('b', 5),
      // Labels b, then throws: b's label goes, a's maturity at this event stays.
      boom('b', 11),
      { ...tick(16), upcastError: 'unreadable' },
      tick(17),
    ]);
    const { run, released } = releasesOf(probe, log);
    expect(run.quarantined).toBe(2);
    expect(run.drainQuarantined().map((record) => [record.eventId, record.stage])).toEqual([
      ['e2', 'apply'],
      ['e3', 'upcast'],
    ]);
    expect(released.map((rows) => rows.map(summary))).toEqual([
      [],
      [],
      [{ entityId: 'a', label: 0, labelPosition: positionAt(2), labelledAt: 10 }],
      // The unreadable event's time is not read: the clock stays at 11, short of b's 15...
      [],
      // ...until the next readable event, at 17.
      [{ entityId: 'b', label: 0, labelPosition: positionAt(4), labelledAt: 15 }],
    ]);
    expect(run.clock).toBe(17);
  });
});

describe('the clock and a mistaken date', () => {
  it('never goes past when an event was recorded, nor follows platform records', () => {
    const log = logOf([observe('a', 0), observe('b', 5)]);
    // A date centuries ahead, recorded at 6: the clock takes 6, and nothing matures.
    const future = { ...logOf([tick(7)])[0], occurredAt: 7_000_000_000_000, recordedAt: 6 };
    const platform = {
      ...logOf([tick(8)])[0],
      streamId: 'hindsight.datasets-probe',
      type: 'DatasetGenerated',
      occurredAt: 1_000_000,
      recordedAt: 1_000_000,
    };
    const run = createFeatureRun(probe);
    for (const event of [...log, future, platform].map((e, i) => ({
      ...(e as LogEvent),
      globalPosition: i + 1,
      transactionId: i + 1,
    }))) {
      run.push(event);
    }
    expect(run.clock).toBe(6);
    expect(run.drain()).toEqual([]);
  });
});

describe('snapshots of a run with a horizon', () => {
  /** A log with ties and backdating in business time, outcomes late and early, poison events. */
  const generatedLog = (seed: number, length: number): LogEvent[] => {
    const random = createRandom(seed);
    const specs: EventSpec[] = [];
    let now = 1_000;
    for (let i = 0; i < length; i++) {
      now += random.int(0, 4);
      const at = random.chance(0.1) ? now - random.int(0, 40) : now;
      const entity = `n${random.int(0, 7)}`;
      const roll = random.next();
      const spec: EventSpec =
        roll < 0.4
          ? observe(entity, at)
          : roll < 0.7
            ? outcome(entity, at, random.chance(0.5) ? 1 : 0)
            : roll < 0.85
              ? tick(at)
              : roll < 0.9
                ? boom(entity, at)
                : roll < 0.95
                  ? { type: 'Unread', entity, at: at + 1_000 }
                  : { ...tick(at), upcastError: 'unreadable' };
      specs.push(spec);
    }
    return logOf(specs);
  };
  const log = generatedLog(7, 160);

  for (const otherwise of [0, 1, 'drop'] as const) {
    it(`resume at every position to the rows and clock of an uninterrupted run (otherwise ${otherwise})`, () => {
      const view = probeWith({ within: 10, otherwise });
      const whole = createFeatureRun(view);
      const wholeRows: FeatureRow[] = [];
      const clocks: (number | null)[] = [];
      for (const event of log) {
        whole.push(event);
        wholeRows.push(...whole.drain());
        clocks.push(whole.clock);
      }
      expect(whole.matured).toBeGreaterThan(5);
      expect(whole.quarantined).toBeGreaterThan(5);
      wholeRows.push(...whole.finish());
      expect(wholeRows.some((row) => row.labelledAt !== null && row.label === 1)).toBe(true);

      for (let cut = 0; cut <= log.length; cut++) {
        const first = createFeatureRun(view);
        const rows: FeatureRow[] = [];
        for (const event of log.slice(0, cut)) {
          first.push(event);
          // Drain only now and then, so that snapshots also carry labelled rows.
          if (event.globalPosition % 3 === 0) rows.push(...first.drain());
        }
        const snapshot = JSON.parse(JSON.stringify(first.snapshot())) as FeatureRunSnapshot;
        expect(snapshot.clock).toBe(cut === 0 ? null : clocks[cut - 1]);
        const second = createFeatureRun(view, { resume: snapshot });
        expect(second.clock).toBe(first.clock);
        expect(second.unlabelled).toBe(first.unlabelled);
        expect(second.held).toBe(first.held);
        for (const event of log.slice(cut)) {
          second.push(event);
          rows.push(...second.drain());
        }
        expect(second.clock).toBe(whole.clock);
        rows.push(...second.finish());
        expect(rows, `resumed at ${cut}`).toEqual(wholeRows);
      }
    });
  }

  it('read a snapshot written before horizons (no clock) as a run that has read nothing', () => {
    const view = probeWith(undefined);
    const run = createFeatureRun(view);
    run.push(logOf([observe('a', 100)])[0] as LogEvent);
    const older = run.snapshot();
    delete older.clock;
    expect(createFeatureRun(view, { resume: older }).clock).toBeNull();
  });
});

describe('defineFeatureView with a horizon', () => {
  it('refuses horizons that are not a positive whole number of ms, or another otherwise', () => {
    const cases: [LabelHorizon, string][] = [
      [
        { within: 0, otherwise: 0 },
        'labelHorizon.within must be a positive whole number of milliseconds, not 0',
      ],
      [
        { within: -1, otherwise: 0 },
        'labelHorizon.within must be a positive whole number of milliseconds, not -1',
      ],
      [
        { within: 1.5, otherwise: 0 },
        'labelHorizon.within must be a positive whole number of milliseconds, not 1.5',
      ],
      [
        { within: Number.NaN, otherwise: 0 },
        'labelHorizon.within must be a positive whole number of milliseconds, not NaN',
      ],
      [{ within: 10, otherwise: 2 as 0 }, "labelHorizon.otherwise must be 0, 1 or 'drop', not 2"],
      [
        { within: 10, otherwise: '0' as unknown as 0 },
        `labelHorizon.otherwise must be 0, 1 or 'drop', not "0"`,
      ],
    ];
    for (const [labelHorizon, message] of cases) {
      const error = thrown(() => defineFeatureView({ ...probeDefinition, labelHorizon }));
      expect(error).toBeInstanceOf(HindsightError);
      expect((error as HindsightError).code).toBe('INVALID_ARGUMENT');
      expect((error as HindsightError).message).toBe(`feature view 'probe': ${message}`);
    }
    expect(
      defineFeatureView({ ...probeDefinition, labelHorizon: { within: 1, otherwise: 'drop' } })
        .labelHorizon,
    ).toEqual({ within: 1, otherwise: 'drop' });
  });

  it('keeps the codeHash a view had before horizons when it declares none', () => {
    // computeCodeHash as it was before label horizons (commit 6e756bc): a view without a
    // horizon must hash exactly so, or every stored snapshot and dataset of it is orphaned.
    const definition = probeDefinition;
    const before = createHash('sha256')
      .update(
        JSON.stringify({
          name: definition.name,
          version: definition.version,
          featureNames: definition.featureNames,
          featureTypes: definition.featureNames.map(() => 'number'),
          eventTypes: definition.eventTypes ?? null,
          constants: null,
          code: [definition.initialState, definition.apply].map((fn) => fn.toString()),
        }),
      )
      .digest('hex');
    const without = defineFeatureView(definition);
    expect(without.codeHash).toBe(before);
    expect(defineFeatureView({ ...definition, labelHorizon: undefined }).codeHash).toBe(before);

    const hashes = [
      { within: 10, otherwise: 0 },
      { within: 11, otherwise: 0 },
      { within: 10, otherwise: 1 },
      { within: 10, otherwise: 'drop' },
    ].map(
      (labelHorizon) =>
        defineFeatureView({ ...definition, labelHorizon: labelHorizon as LabelHorizon }).codeHash,
    );
    expect(new Set([before, ...hashes]).size).toBe(5);
  });

  it('refuses to resume a snapshot of the same view with another horizon', () => {
    const run = createFeatureRun(probeWith({ within: 10, otherwise: 0 }));
    run.push(logOf([observe('a', 0)])[0] as LogEvent);
    const error = thrown(() =>
      createFeatureRun(probeWith({ within: 20, otherwise: 0 }), { resume: run.snapshot() }),
    );
    expect(error).toBeInstanceOf(FeatureViewError);
    expect((error as FeatureViewError).fault).toBe('SNAPSHOT_MISMATCH');
  });
});
