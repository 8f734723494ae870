// The work_order_overrun view cannot leak: nothing recorded after an observation reaches its
// features, no outcome recorded before it becomes its label, and the run holds only what
// still waits for an outcome.
import { describe, expect, it } from 'vitest';
import { comparePositions, type Position } from '../../eventstore/types.js';
import { compareObservations } from '../../ml/dataset.js';
import { createFeatureRun, runFeatureView } from '../../ml/featureRun.js';
import type { FeatureRow, LogEvent } from '../../ml/featureView.js';
import { generateDemoLog, recordDemoLog } from '../../demo/demoLog.js';
import { generateDemoHistory, type DemoEvent } from '../../demo/workOrders.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';

const view = workOrderOverrunView;
const key = (p: Position): string => `${p.transactionId}:${p.globalPosition}`;
const positionOf = (e: LogEvent): Position => ({
  transactionId: e.transactionId,
  globalPosition: e.globalPosition,
});
const observation = ({ entityId, observedAt, position, features }: FeatureRow): object => ({
  entityId,
  observedAt,
  position,
  features,
});
const demoEvent = (
  streamId: string,
  type: string,
  data: Record<string, unknown>,
  occurredAt: number,
): DemoEvent => ({ streamId, event: { type, data, occurredAt } });

describe('a future canary never reaches an earlier observation', () => {
  const history = generateDemoHistory({ workOrders: 150, seed: 5, technicians: 4 });
  const baseLog = [...recordDemoLog(history)];
  const baseRows = runFeatureView(view, baseLog);
  const streamOf = (i: number): string => history[i]?.streamId ?? '';
  const dataOf = (e: DemoEvent | undefined): Record<string, unknown> => e?.event.data ?? {};

  // Triggers whose order is observed again later, spread over the history.
  const triggers = history
    .map((e, i) => ({ e, i }))
    .filter(({ e, i }) => {
      if (e.event.type !== 'WorkLogged' && e.event.type !== 'WorkOrderAssigned') return false;
      return history.slice(i + 1).some((later) => {
        return later.streamId === e.streamId && later.event.type === 'WorkLogged';
      });
    })
    .map(({ i }) => i)
    .filter((_, n, all) => n % Math.floor(all.length / 12) === 0);

  /** The canaries for the trigger at index i: each would change its features if leaked. */
  const canariesAfter = (i: number): { events: DemoEvent[]; otherOrder: boolean } => {
    const stream = streamOf(i);
    const seen = history.slice(0, i + 1);
    const now = history[i]?.event.occurredAt ?? 0;
    const own = seen.filter((e) => e.streamId === stream);
    const technicianId = String(
      dataOf(own.findLast((e) => e.event.type === 'WorkOrderAssigned')).technicianId,
    );
    const customerId = String(
      dataOf(own.find((e) => e.event.type === 'WorkOrderCreated')).customerId,
    );
    // Another order of the technician, open until after this order's next observation.
    const next = history.findIndex(
      (e, n) => n > i && e.streamId === stream && e.event.type === 'WorkLogged',
    );
    const completedAt = (other: string): number =>
      history.findIndex((e) => e.streamId === other && e.event.type === 'WorkOrderCompleted');
    const otherOpen = seen.find(
      (e) =>
        e.event.type === 'WorkOrderAssigned' &&
        dataOf(e).technicianId === technicianId &&
        e.streamId !== stream &&
        completedAt(e.streamId) > next,
    );
    const events = [
      demoEvent(stream, 'WorkLogged', { technicianId, hours: 1000 }, now),
      demoEvent(stream, 'WorkOrderBlocked', { reason: 'canary' }, now),
      demoEvent(`technician-${technicianId}`, 'TechnicianCertified', { skillLevel: 99 }, now),
      demoEvent(`customer-${customerId}`, 'CustomerTierChanged', { tier: 'canary' }, now),
      demoEvent('workorder-CANARY', 'WorkOrderCreated', { estimatedHours: 1 }, now),
      demoEvent('workorder-CANARY', 'WorkOrderAssigned', { technicianId }, now),
    ];
    if (otherOpen) {
      events.push(demoEvent(otherOpen.streamId, 'WorkOrderCompleted', { late: true }, now));
    }
    return { events, otherOrder: otherOpen !== undefined };
  };

  it('has triggers to test, some with another open order of the same technician', () => {
    expect(triggers.length).toBeGreaterThanOrEqual(12);
    expect(triggers.filter((i) => canariesAfter(i).otherOrder).length).toBeGreaterThan(3);
  });

  it('leaves every observation up to the trigger exactly as it was', () => {
    for (const i of triggers) {
      const { events } = canariesAfter(i);
      const log = [
        ...recordDemoLog([...history.slice(0, i + 1), ...events, ...history.slice(i + 1)]),
      ];
      const trigger = baseLog[i] as LogEvent;
      expect(key(positionOf(log[i] as LogEvent))).toBe(key(positionOf(trigger)));
      const upTo = (rows: FeatureRow[]): object[] =>
        [...rows]
          .sort(compareObservations)
          .filter((row) => comparePositions(row.position, positionOf(trigger)) <= 0)
          .map(observation);
      const rows = runFeatureView(view, log);
      expect(upTo(rows)).toEqual(upTo(baseRows));
      expect(upTo(rows).length).toBeGreaterThan(0);
    }
  });

  it('does reach the next observation of the order: the canaries are live', () => {
    for (const i of triggers) {
      const { events, otherOrder } = canariesAfter(i);
      const log = [
        ...recordDemoLog([...history.slice(0, i + 1), ...events, ...history.slice(i + 1)]),
      ];
      const entity = streamOf(i).slice('workorder-'.length);
      const after = (rows: FeatureRow[], trigger: LogEvent): FeatureRow | undefined =>
        rows.find(
          (row) =>
            row.entityId === entity && comparePositions(row.position, positionOf(trigger)) > 0,
        );
      const next = after(runFeatureView(view, log), log[i + events.length] as LogEvent);
      const before = after(baseRows, baseLog[i] as LogEvent);
      expect(next?.features).toMatchObject({
        technician_skill: 99,
        customer_tier: 'canary',
        times_blocked: Number(before?.features.times_blocked) + 1,
        technician_completed: Number(before?.features.technician_completed) + (otherOrder ? 1 : 0),
      });
      expect(next?.features.hours_logged).toBeGreaterThan(1000);
    }
  });
});

describe('a run over a truncated log', () => {
  const log = [...generateDemoLog({ workOrders: 120, seed: 9 })];
  const full = runFeatureView(view, log);
  const fullAt = new Map(full.map((row) => [`${row.entityId}@${key(row.position)}`, row]));

  it('observes exactly what the full run observes, whatever comes after the cut', () => {
    for (let cut = 1; cut < log.length; cut += Math.floor(log.length / 40)) {
      const end = positionOf(log[cut - 1] as LogEvent);
      const rows = runFeatureView(view, log.slice(0, cut));
      expect(rows.length).toBe(
        full.filter((row) => comparePositions(row.position, end) <= 0).length,
      );
      for (const row of rows) {
        const twin = fullAt.get(`${row.entityId}@${key(row.position)}`);
        expect(observation(row)).toEqual(twin && observation(twin));
        // A label exists once its outcome is in the log, and then it is the same one.
        const known = twin?.labelPosition && comparePositions(twin.labelPosition, end) <= 0;
        expect(row.label).toBe(known ? twin.label : null);
      }
    }
  });
});

describe('an outcome recorded before an observation', () => {
  const t0 = Date.UTC(2026, 0, 5);
  const log = (events: [string, string, Record<string, unknown>][]): LogEvent[] =>
    events.map(([streamId, type, data], n) => ({
      eventId: `e${n}`,
      streamId,
      streamVersion: n + 1,
      type,
      schemaVersion: 1,
      data,
      occurredAt: t0 + n * 3_600_000,
      recordedAt: t0 + n * 3_600_000,
      globalPosition: n + 1,
      transactionId: 10 + n,
    }));

  it('is never its label: every label comes from later in the log', () => {
    const rows = runFeatureView(view, generateDemoLog({ workOrders: 300, seed: 13 }));
    expect(rows.every((row) => row.labelPosition !== null)).toBe(true);
    for (const row of rows) {
      expect(comparePositions(row.labelPosition as Position, row.position)).toBeGreaterThan(0);
    }
  });

  it('does not label an order observed again after it was completed and reopened', () => {
    const rows = runFeatureView(
      view,
      log([
        ['workorder-X', 'WorkOrderCreated', { estimatedHours: 3 }],
        ['workorder-X', 'WorkOrderAssigned', { technicianId: 'T1' }],
        ['workorder-X', 'WorkOrderCompleted', { late: true }],
        ['workorder-X', 'WorkOrderCreated', { estimatedHours: 3 }],
        ['workorder-X', 'WorkOrderAssigned', { technicianId: 'T1' }],
        ['workorder-X', 'WorkLogged', { technicianId: 'T1', hours: 1 }],
      ]),
    );
    expect(rows.map((row) => [row.position.globalPosition, row.label])).toEqual([
      [2, 1],
      [5, null],
      [6, null],
    ]);
  });

  it('does not observe an order whose completion was recorded before its assignment', () => {
    const rows = runFeatureView(
      view,
      log([
        ['workorder-Y', 'WorkOrderCreated', { estimatedHours: 3 }],
        ['workorder-Y', 'WorkOrderCompleted', { late: false }],
        ['workorder-Y', 'WorkOrderAssigned', { technicianId: 'T1' }],
        ['workorder-Y', 'WorkLogged', { technicianId: 'T1', hours: 1 }],
      ]),
    );
    expect(rows).toEqual([]);
  });
});

describe('the run over a long log', () => {
  it('holds only the observations of open orders, and never many', () => {
    const run = createFeatureRun(view);
    const observationsOf = new Map<string, number>();
    const openOrders = new Set<string>();
    let released = 0;
    let mostHeld = 0;
    let unlabelledReleased = 0;
    let heldLabelled = 0;
    for (const event of generateDemoLog(
      { workOrders: 20_000, seed: 21 },
      { eventIds: 'sequential' },
    )) {
      for (const row of run.push(event)) {
        observationsOf.set(row.entityId, (observationsOf.get(row.entityId) ?? 0) + 1);
      }
      const order = event.streamId.slice('workorder-'.length);
      if (event.type === 'WorkOrderCreated') openOrders.add(order);
      if (event.type === 'WorkOrderCompleted') {
        observationsOf.delete(order);
        openOrders.delete(order);
      }
      const drained = run.drain();
      // Rows of orders still open leave when their horizon passes (labelled late).
      for (const row of drained) {
        const held = observationsOf.get(row.entityId);
        if (held === undefined) continue;
        if (held > 1) observationsOf.set(row.entityId, held - 1);
        else observationsOf.delete(row.entityId);
      }
      released += drained.length;
      unlabelledReleased += drained.filter((row) => row.label === null).length;
      // After a drain the run holds nothing but observations still waiting for their outcome.
      if (run.held !== run.unlabelled) heldLabelled += 1;
      mostHeld = Math.max(mostHeld, run.held);
      if (event.globalPosition % 997 === 0) {
        expect(run.unlabelled).toBe([...observationsOf.values()].reduce((a, b) => a + b, 0));
        expect(run.state.orders.size).toBe(openOrders.size);
      }
    }
    expect(run.finish()).toEqual([]);
    expect(unlabelledReleased).toBe(0);
    expect(heldLabelled).toBe(0);
    expect(released).toBeGreaterThan(70_000);
    expect(mostHeld).toBeLessThan(500);
  });
});
