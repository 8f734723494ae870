// Unit tests of aggregate definitions: validation, the code hash that keys snapshots, the
// registry, and the demo work order folded from a hand-written stream.
import { describe, expect, it } from 'vitest';
import {
  workOrderAggregate,
  type WorkOrderState,
} from '../../examples/work-orders/src/workOrderAggregate.js';
import {
  UnknownAggregateError,
  computeAggregateCodeHash,
  createAggregateRegistry,
  defineAggregate,
  type AggregateDefinition,
} from '../../eventstore/aggregates/aggregate.js';
import type { JsonObject, RecordedEvent } from '../../eventstore/types.js';
import { thrownBy } from '../support/thrown.js';

interface Tally {
  total: number;
}

const double = (n: number): number => n * 2;
const triple = (n: number): number => n * 3;

const evolveTally = (state: Tally, event: RecordedEvent): Tally => ({
  total: state.total + Number(event.data.n),
});
const evolveTallyDoubled = (state: Tally, event: RecordedEvent): Tally => ({
  total: state.total + double(Number(event.data.n)),
});

const tally = (
  overrides: Partial<AggregateDefinition<Tally>> = {},
): AggregateDefinition<Tally> => ({
  type: 'tally',
  category: 'tally',
  stateSchemaVersion: 1,
  initialState: () => ({ total: 0 }),
  evolve: evolveTally,
  policy: { everyEvents: 10 },
  ...overrides,
});

const hashOf = (overrides: Partial<AggregateDefinition<Tally>> = {}): string =>
  defineAggregate(tally(overrides)).codeHash;

const errorOf = (overrides: Partial<AggregateDefinition<Tally>>): Error =>
  thrownBy(Error, () => defineAggregate(tally(overrides)));

describe('defineAggregate', () => {
  it('returns the definition, frozen, with its code hash', () => {
    const aggregate = defineAggregate(tally());
    expect(aggregate).toMatchObject({ type: 'tally', category: 'tally', stateSchemaVersion: 1 });
    expect(aggregate.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(aggregate.codeHash).toBe(
      computeAggregateCodeHash(tally() as AggregateDefinition<unknown>),
    );
    expect(Object.isFrozen(aggregate)).toBe(true);
  });

  it.each([
    ['an upper-case type', { type: 'Tally' }, "aggregate type 'Tally' must be lowercase words"],
    ['a type with a space', { type: 'work order' }, "aggregate type 'work order'"],
    ['a type ending in -', { type: 'tally-' }, "aggregate type 'tally-'"],
    ['a type starting with a digit', { type: '1tally' }, "aggregate type '1tally'"],
    ['an empty type', { type: '' }, "aggregate type ''"],
    ['a type over 100 characters', { type: 'a'.repeat(101) }, 'must be lowercase words'],
    ['a category with a dash', { category: 'tally-x' }, "category 'tally-x' has a '-'"],
    ['an empty category', { category: '' }, "aggregate 'tally': category ''"],
    ['state schema version 0', { stateSchemaVersion: 0 }, 'stateSchemaVersion must be a positive'],
    ['state schema version 1.5', { stateSchemaVersion: 1.5 }, 'stateSchemaVersion must be'],
    ['everyEvents 0', { policy: { everyEvents: 0 } }, 'policy.everyEvents must be a positive'],
    ['everyEvents 2.5', { policy: { everyEvents: 2.5 } }, 'policy.everyEvents must be'],
    ['maxLoadMs 0', { policy: { everyEvents: 5, maxLoadMs: 0 } }, 'policy.maxLoadMs must be'],
    ['maxLoadMs -1', { policy: { everyEvents: 5, maxLoadMs: -1 } }, 'policy.maxLoadMs must be'],
    ['maxLoadMs NaN', { policy: { everyEvents: 5, maxLoadMs: Number.NaN } }, 'policy.maxLoadMs'],
  ])('refuses %s', (_name, overrides: Partial<AggregateDefinition<Tally>>, message) => {
    expect(errorOf(overrides).message).toContain(message);
  });

  it('accepts dashed lowercase types, 100 characters, and a fractional maxLoadMs', () => {
    expect(defineAggregate(tally({ type: 'work-order.v2_x' })).type).toBe('work-order.v2_x');
    expect(defineAggregate(tally({ type: 'a'.repeat(100) })).type).toHaveLength(100);
    const quick = defineAggregate(tally({ policy: { everyEvents: 1, maxLoadMs: 0.0001 } }));
    expect(quick.policy).toEqual({ everyEvents: 1, maxLoadMs: 0.0001 });
  });
});

describe('the code hash', () => {
  it('is stable for the same definition, and for fresh functions with the same source', () => {
    const make = (): AggregateDefinition<Tally> =>
      tally({ initialState: () => ({ total: 0 }), code: [(n: number) => n + 1] });
    expect(defineAggregate(make()).codeHash).toBe(defineAggregate(make()).codeHash);
    expect(hashOf()).toBe(hashOf());
  });

  it('ignores the snapshot policy, which does not change the state', () => {
    expect(hashOf({ policy: { everyEvents: 500, maxLoadMs: 3 } })).toBe(hashOf());
  });

  it("changes with evolve's source", () => {
    expect(hashOf({ evolve: evolveTallyDoubled })).not.toBe(hashOf());
  });

  it('changes with the state schema version', () => {
    expect(hashOf({ stateSchemaVersion: 2 })).not.toBe(hashOf());
  });

  it('changes with a helper of evolve, and with adding one', () => {
    const withDouble = hashOf({ evolve: evolveTallyDoubled, code: [double] });
    expect(hashOf({ evolve: evolveTallyDoubled, code: [double] })).toBe(withDouble);
    expect(hashOf({ evolve: evolveTallyDoubled, code: [triple] })).not.toBe(withDouble);
    expect(hashOf({ evolve: evolveTallyDoubled })).not.toBe(withDouble);
    expect(hashOf({ evolve: evolveTallyDoubled, code: [double, triple] })).not.toBe(withDouble);
  });

  it('changes with the initial state, the type and the category', () => {
    const base = hashOf();
    expect(hashOf({ initialState: () => ({ total: 1 }) })).not.toBe(base);
    expect(hashOf({ type: 'tally2' })).not.toBe(base);
    expect(hashOf({ category: 'tallies' })).not.toBe(base);
  });
});

describe('createAggregateRegistry', () => {
  const first = defineAggregate(tally({ type: 'tally-b' }));
  const second = defineAggregate(tally({ type: 'tally-a', category: 'other' }));
  const registry = createAggregateRegistry([first, second]);

  it('finds aggregates by type and lists the types sorted', () => {
    expect(registry.types).toEqual(['tally-a', 'tally-b']);
    expect(registry.get('tally-b')).toBe(first);
    expect(registry.has('tally-a')).toBe(true);
    expect(registry.has('tally-c')).toBe(false);
  });

  it('refuses an unknown type, listing the known ones', () => {
    const error = thrownBy(UnknownAggregateError, () => registry.get('tally-c'));
    expect(error.aggregateType).toBe('tally-c');
    expect(error.message).toBe("aggregate type 'tally-c' is unknown (known: tally-a, tally-b)");
    const empty = thrownBy(UnknownAggregateError, () => createAggregateRegistry([]).get('x'));
    expect(empty.message).toBe("aggregate type 'x' is unknown (none are registered)");
  });

  it('refuses the same type twice', () => {
    const again = defineAggregate(tally({ type: 'tally-b', stateSchemaVersion: 2 }));
    expect(() => createAggregateRegistry([first, again])).toThrow("aggregate 'tally-b' twice");
  });
});

describe('the demo work order', () => {
  const T0 = Date.UTC(2026, 2, 1, 8);
  const HOUR = 3_600_000;
  let version = 0;
  const event = (
    type: string,
    data: JsonObject,
    occurredAt: number,
    schemaVersion = 1,
  ): RecordedEvent => {
    version += 1;
    return {
      eventId: `00000000-0000-7000-8000-${String(version).padStart(12, '0')}`,
      streamId: 'workorder-77',
      streamVersion: version,
      globalPosition: version,
      transactionId: 1000 + version,
      type,
      schemaVersion,
      data,
      metadata: {},
      occurredAt,
      recordedAt: occurredAt,
    };
  };
  const blocked = (code: string | undefined, at: number) =>
    event(
      'WorkOrderBlocked',
      { workOrderId: 'wo-77', reason: code === undefined ? { text: '?' } : { code, text: code } },
      at,
      2,
    );
  const fold = (events: RecordedEvent[]): WorkOrderState =>
    events.reduce(workOrderAggregate.evolve, workOrderAggregate.initialState());

  const created = event(
    'WorkOrderCreated',
    {
      workOrderId: 'wo-77',
      customerId: 'cust-3',
      priority: 'high',
      estimatedHours: 6,
      dueAt: '2026-03-04T08:00:00.000Z',
    },
    T0,
  );
  const stream: RecordedEvent[] = [
    created,
    event('WorkOrderAssigned', { workOrderId: 'wo-77', technicianId: 'tech-9' }, T0 + HOUR),
    blocked('parts', T0 + 2 * HOUR),
    event('WorkOrderUnblocked', { workOrderId: 'wo-77' }, T0 + 5 * HOUR),
    event('WorkLogged', { workOrderId: 'wo-77', hours: 1.25 }, T0 + 6 * HOUR),
    event('NoteAdded', { text: 'a type the aggregate does not know' }, T0 + 6 * HOUR),
    event('WorkLogged', { workOrderId: 'wo-77', hours: 2.5 }, T0 + 7 * HOUR),
    blocked('access', T0 + 8 * HOUR),
    blocked('parts', T0 + 9 * HOUR),
    blocked(undefined, T0 + 10 * HOUR),
    event('WorkOrderUnblocked', { workOrderId: 'wo-77' }, T0 + 11 * HOUR),
    event('WorkLogged', { workOrderId: 'wo-77', hours: 0.333 }, T0 + 12 * HOUR),
    event('WorkLogged', { workOrderId: 'wo-77', hours: 'two' }, T0 + 13 * HOUR),
    event('WorkOrderCompleted', { workOrderId: 'wo-77', late: true }, T0 + 14 * HOUR),
  ];

  it('is the work-order aggregate of the workorder category', () => {
    expect(workOrderAggregate).toMatchObject({
      type: 'work-order',
      category: 'workorder',
      stateSchemaVersion: 1,
      policy: { everyEvents: 20, maxLoadMs: 50 },
    });
    expect(workOrderAggregate.codeHash).toBe(
      computeAggregateCodeHash(workOrderAggregate as unknown as AggregateDefinition<unknown>),
    );
  });

  it('folds a stream into what the order screen shows', () => {
    expect(fold(stream)).toEqual({
      workOrderId: 'wo-77',
      status: 'completed',
      customerId: 'cust-3',
      priority: 'high',
      estimatedHours: 6,
      dueAt: '2026-03-04T08:00:00.000Z',
      technicianId: 'tech-9',
      hoursLogged: 4.08,
      sessions: 4,
      blocks: { parts: 2, access: 1, other: 1 },
      createdAt: T0,
      completedAt: T0 + 14 * HOUR,
      late: true,
    } satisfies WorkOrderState);
  });

  it('shows the status after each step', () => {
    const statuses: string[] = [];
    stream.reduce((state, e) => {
      const next = workOrderAggregate.evolve(state, e);
      statuses.push(next.status);
      return next;
    }, workOrderAggregate.initialState());
    expect(statuses).toEqual([
      'open',
      'assigned',
      'blocked',
      'assigned',
      'assigned',
      'assigned',
      'assigned',
      'blocked',
      'blocked',
      'blocked',
      'assigned',
      'assigned',
      'assigned',
      'completed',
    ]);
  });

  it('leaves the state it started from as it was, and starts fresh each time', () => {
    const initial = workOrderAggregate.initialState();
    const before = JSON.stringify(initial);
    stream.reduce(workOrderAggregate.evolve, initial);
    expect(JSON.stringify(initial)).toBe(before);
    expect(workOrderAggregate.initialState()).not.toBe(workOrderAggregate.initialState());
    expect(fold([])).toEqual(initial);
  });

  it('keeps unknown values out: a missing customer, a non-numeric estimate, no late flag', () => {
    const state = fold([
      event('WorkOrderCreated', { workOrderId: 'wo-78', estimatedHours: 'six' }, T0),
      event('WorkOrderCompleted', { workOrderId: 'wo-78' }, T0 + HOUR),
    ]);
    expect(state).toMatchObject({
      workOrderId: 'wo-78',
      customerId: null,
      estimatedHours: null,
      status: 'completed',
      late: null,
    });
  });

  // A read by plain property would find Object.prototype's members for such a code.
  it("counts a block whose code is 'constructor' as 1", () => {
    expect(fold([blocked('constructor', T0)]).blocks).toEqual({ constructor: 1 });
  });
});
