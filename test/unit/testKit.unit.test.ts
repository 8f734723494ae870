// The test kit users run on their own views: rows from a list of events, the leakage oracle and
// the future canary. The demo's view passes both; a view that reads the future fails both.
import { describe, expect, it } from 'vitest';
import { defineFeatureView, type LogEvent } from '../../ml/featureView.js';
import {
  checkFutureCanary,
  checkLeakage,
  LeakageError,
  viewRows,
  type TestEvent,
} from '../../sdk/testing.js';
import { generateDemoHistory } from '../../demo/workOrders.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';

const DAY = 86_400_000;
/** A toy domain: customers place orders; the label is whether they order again. */
const orders: TestEvent[] = Array.from({ length: 60 }, (_, i) => ({
  streamId: `customer-${i % 7}`,
  type: 'OrderPlaced',
  data: { amount: 10 + ((i * 37) % 90) },
  occurredAt: Date.UTC(2026, 0, 1) + i * DAY,
}));

const honest = defineFeatureView({
  name: 'repeat_order',
  version: 1,
  featureNames: ['orders', 'spent'],
  eventTypes: ['OrderPlaced'],
  initialState: () => new Map<string, { orders: number; spent: number }>(),
  apply: (state, event, emit) => {
    const id = event.streamId.slice('customer-'.length);
    const seen = state.get(id) ?? { orders: 0, spent: 0 };
    if (seen.orders > 0) emit.label(id, 1);
    seen.orders += 1;
    seen.spent += Number(event.data.amount);
    state.set(id, seen);
    emit.observe(id, { ...seen });
  },
});

/** Counts orders in a module-level map that outlives the run: a later run sees the future. */
const everSeen = new Map<string, number>();
const leaky = defineFeatureView({
  name: 'leaky',
  version: 1,
  featureNames: ['orders', 'spent'],
  eventTypes: ['OrderPlaced'],
  initialState: () => ({}),
  apply: (_state, event, emit) => {
    const id = event.streamId.slice('customer-'.length);
    everSeen.set(id, (everSeen.get(id) ?? 0) + 1);
    emit.observe(id, { orders: everSeen.get(id) ?? 0, spent: 0 });
  },
});

const bigger = (trigger: LogEvent): TestEvent[] => [
  {
    streamId: trigger.streamId,
    type: 'OrderPlaced',
    data: { amount: 1e6 },
    occurredAt: trigger.occurredAt,
  },
];

describe('the test kit', () => {
  it('gives a view’s rows for a list of events', () => {
    const rows = viewRows(honest, orders);
    expect(rows).toHaveLength(60);
    const first = rows.find((r) => r.entityId === '0' && r.features.orders === 1);
    expect(first).toMatchObject({ features: { orders: 1, spent: 10 }, label: 1 });
  });

  it('passes an honest view, with canaries that reach later observations', () => {
    expect(checkLeakage(honest, orders)).toEqual({ observations: 60, cuts: 25 });
    const canary = checkFutureCanary(honest, orders, { canaries: bigger });
    expect(canary.triggers).toBe(20);
    expect(canary.reachedLater).toBeGreaterThan(10);
  });

  it('passes the demo’s own view on its history', () => {
    const history = generateDemoHistory({ workOrders: 40, seed: 3, technicians: 3 }).map(
      ({ streamId, event }) => ({ ...event, streamId, occurredAt: event.occurredAt ?? 0 }),
    );
    const report = checkLeakage(workOrderOverrunView, history as TestEvent[], { cuts: 10 });
    expect(report.observations).toBeGreaterThan(20);
  });

  it('catches a view whose features see events recorded after the observation', () => {
    expect(() => checkLeakage(leaky, orders)).toThrow(LeakageError);
    expect(() => checkLeakage(leaky, orders)).toThrow(/its features see the future/);
    expect(() => checkFutureCanary(leaky, orders, { canaries: bigger })).toThrow(
      /changed an observation made before them/,
    );
  });
});
