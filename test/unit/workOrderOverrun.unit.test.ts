// Unit tests of the demo domain's feature view: the one-pass run against the slow oracle,
// the trigger rule, and a check that lateness is learnable from its features.
import { describe, expect, it } from 'vitest';
import { compareObservations, labelBalance } from '../../ml/dataset.js';
import { runFeatureView } from '../../ml/featureRun.js';
import type { FeatureRow, LogEvent } from '../../ml/featureView.js';
import { generateDemoLog } from '../../demo/demoLog.js';
import { generateDemoHistory } from '../../demo/workOrders.js';
import {
  WORK_ORDER_OVERRUN_FEATURES,
  workOrderOverrunView,
} from '../../examples/work-orders/src/workOrderOverrunView.js';
import { commitDemoLog, oracleRows, withCrossEntityEvents } from './workOrderOverrunOracle.js';

const view = workOrderOverrunView;
const sorted = (rows: FeatureRow[]): FeatureRow[] => [...rows].sort(compareObservations);

const event = (
  n: number,
  streamId: string,
  type: string,
  data: Record<string, unknown>,
  occurredAt: number,
): LogEvent => ({
  eventId: `e${n}`,
  streamId,
  streamVersion: 1,
  type,
  schemaVersion: 1,
  data,
  occurredAt,
  recordedAt: occurredAt,
  globalPosition: n,
  transactionId: 100 + n,
});

describe('work_order_overrun against its oracle', () => {
  const cases = [
    { name: '300 work orders, 8 technicians', seed: 42, workOrders: 300, technicians: 8 },
    { name: '200 work orders, 3 busy technicians', seed: 7, workOrders: 200, technicians: 3 },
  ];
  for (const { name, seed, ...options } of cases) {
    it(`matches row for row: ${name}`, () => {
      const history = withCrossEntityEvents(generateDemoHistory({ seed, ...options }), seed);
      const log = commitDemoLog(history, seed);
      const count = (type: string): number => log.filter((e) => e.type === type).length;
      expect(count('TechnicianCertified')).toBeGreaterThan(3);
      expect(count('CustomerTierChanged')).toBeGreaterThan(3);
      expect(count('WorkOrderAssigned')).toBeGreaterThan(options.workOrders + 3);
      // Log order is (transaction id, global position), not global position alone.
      expect(log.some((e, i) => e.globalPosition < (log[i - 1]?.globalPosition ?? 0))).toBe(true);
      expect(log.some((e, i) => e.transactionId === log[i - 1]?.transactionId)).toBe(true);
      const expected = oracleRows(log);
      const actual = runFeatureView(view, log);
      expect(expected.length).toBeGreaterThan(options.workOrders * 2);
      expect(sorted(actual)).toEqual(expected);
      // Some of the cross-entity features must have moved, or the match proves little.
      const values = (feature: string): Set<unknown> =>
        new Set(actual.map((row) => row.features[feature]));
      expect(values('technician_skill').size).toBeGreaterThan(1);
      expect(values('technician_open_orders').size).toBeGreaterThan(2);
      expect(values('technician_on_time_rate').size).toBeGreaterThan(10);
      expect(values('currently_blocked')).toEqual(new Set([true, false]));
    });
  }

  it('matches on the demo log as `hindsight demo` appends it, with its event ids', () => {
    const log = [...generateDemoLog({ workOrders: 80, seed: 3 })];
    expect(log[0]?.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/);
    expect(sorted(runFeatureView(view, log))).toEqual(oracleRows(log));
  });
});

describe('work_order_overrun trigger rule', () => {
  const log = commitDemoLog(generateDemoHistory({ workOrders: 40 }));
  const rows = runFeatureView(view, log);
  const byEvent = new Map(log.map((e) => [`${e.transactionId}:${e.globalPosition}`, e]));
  const triggerOf = (row: FeatureRow): LogEvent | undefined =>
    byEvent.get(`${row.position.transactionId}:${row.position.globalPosition}`);

  it('observes each open order at its assignment and at each logged work', () => {
    const triggers = log.filter((e) => e.type === 'WorkOrderAssigned' || e.type === 'WorkLogged');
    expect(rows).toHaveLength(triggers.length);
    expect(new Set(rows.map((row) => triggerOf(row)?.type))).toEqual(
      new Set(['WorkOrderAssigned', 'WorkLogged']),
    );
    for (const row of rows) {
      const trigger = triggerOf(row);
      expect(trigger?.streamId).toBe(`workorder-${row.entityId}`);
      expect(row.observedAt).toBe(trigger?.occurredAt);
      expect(Object.keys(row.features).sort()).toEqual([...WORK_ORDER_OVERRUN_FEATURES].sort());
    }
  });

  it('includes the trigger itself: the first logged work counts its own hours', () => {
    for (const row of rows) {
      const trigger = triggerOf(row);
      if (trigger?.type === 'WorkOrderAssigned') {
        expect(row.features.hours_logged).toBe(0);
        expect(row.features.log_entries).toBe(0);
      }
      if (trigger?.type === 'WorkLogged' && row.features.log_entries === 1) {
        expect(row.features.hours_logged).toBe(trigger.data.hours);
      }
    }
  });

  it("labels each observation with its order's completion: 1 late, 0 on time", () => {
    const completions = new Map(
      log
        .filter((e) => e.type === 'WorkOrderCompleted')
        .map((e) => [e.streamId, { late: e.data.late, at: e.occurredAt }]),
    );
    const horizon = 14 * 24 * 3_600_000;
    for (const row of rows) {
      const completion = completions.get(`workorder-${row.entityId}`);
      if (row.labelledAt === row.observedAt + horizon) {
        // Still open 14 days on (the log's clock passed the horizon first): late.
        expect(row.label).toBe(1);
        expect((completion?.at ?? Infinity) > row.observedAt + horizon).toBe(true);
        continue;
      }
      expect(row.label).toBe(completion?.late ? 1 : 0);
      expect(row.labelledAt).toBe(completion?.at);
    }
    const balance = labelBalance(rows);
    expect(balance.unlabelled).toBe(0);
    expect(balance.positives).toBeGreaterThan(0);
    expect(balance.negatives).toBeGreaterThan(0);
  });

  it('ignores events of orders it never saw created, and reads malformed data as unknown', () => {
    const t0 = Date.UTC(2026, 0, 5);
    const rowsOf = (events: LogEvent[]): FeatureRow[] => runFeatureView(view, events);
    expect(
      rowsOf([
        event(1, 'workorder-X', 'WorkOrderAssigned', { technicianId: 'T1' }, t0),
        event(2, 'workorder-X', 'WorkLogged', { hours: 2 }, t0),
        event(3, 'workorder-X', 'WorkOrderCompleted', { late: true }, t0),
      ]),
    ).toEqual([]);
    const [row] = rowsOf([
      event(1, 'workorder-Y', 'WorkOrderCreated', { priority: 'whenever', dueAt: 'soon' }, t0),
      event(2, 'workorder-Y', 'WorkLogged', { hours: 'two' }, t0 + 3_600_000),
    ]);
    expect(row?.features).toMatchObject({
      priority: null,
      estimated_hours: null,
      sla_hours: null,
      hours_to_due: null,
      sla_elapsed: null,
      hours_since_created: 1,
      hours_logged: 0,
      log_entries: 1,
      logged_ratio: null,
      technician_skill: null,
      technician_on_time_rate: null,
      customer_tier: null,
    });
    expect(row?.label).toBeNull();
  });

  it('derives the label from dueAt when the completion does not say', () => {
    const t0 = Date.UTC(2026, 0, 5);
    const due = new Date(t0 + 10 * 3_600_000).toISOString();
    const labels = [9, 11].map((hours) =>
      runFeatureView(view, [
        event(1, 'workorder-Z', 'WorkOrderCreated', { estimatedHours: 4, dueAt: due }, t0),
        event(2, 'workorder-Z', 'WorkOrderAssigned', { technicianId: 'T1' }, t0),
        event(3, 'workorder-Z', 'WorkOrderCompleted', {}, t0 + hours * 3_600_000),
      ]).map((row) => row.label),
    );
    expect(labels).toEqual([[0], [1]]);
  });
});

/** Area under the ROC curve of `score` for the labelled rows (ties count half). */
const auc = (rows: FeatureRow[], score: (row: FeatureRow) => number): number => {
  const scored = rows
    .filter((row) => row.label !== null)
    .map((row) => ({ s: score(row), y: row.label }))
    .sort((a, b) => a.s - b.s);
  let positives = 0;
  let negatives = 0;
  let rankSum = 0;
  for (let i = 0; i < scored.length;) {
    let j = i;
    while (j < scored.length && scored[j]?.s === scored[i]?.s) j++;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (scored[k]?.y === 1) {
        positives++;
        rankSum += midRank;
      } else negatives++;
    }
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
};

describe.each([11, 42])('lateness is learnable from the features (seed %i)', (seed) => {
  const rows = runFeatureView(view, generateDemoLog({ workOrders: 2000, seed }));
  const base = labelBalance(rows).positiveRate ?? NaN;
  const lateRate = (filter: (row: FeatureRow) => boolean): number =>
    labelBalance(rows.filter(filter)).positiveRate ?? NaN;
  const num = (row: FeatureRow, feature: string): number => Number(row.features[feature]);
  /** Late rates of the quarter of rows lowest on the feature, and of the quarter highest. */
  const quartiles = (feature: string): { low: number; high: number } => {
    const byFeature = [...rows].sort((a, b) => num(a, feature) - num(b, feature));
    const quarter = Math.floor(byFeature.length / 4);
    const rate = (some: FeatureRow[]): number => labelBalance(some).positiveRate ?? NaN;
    return { low: rate(byFeature.slice(0, quarter)), high: rate(byFeature.slice(-quarter)) };
  };

  it('has a base rate a model must beat', () => {
    expect(base).toBeGreaterThan(0.2);
    expect(base).toBeLessThan(0.5);
  });

  it('is late more often for big, urgent, overrunning or blocked work late in its SLA', () => {
    const gap = (feature: string): number => quartiles(feature).high - quartiles(feature).low;
    expect(gap('estimated_hours')).toBeGreaterThan(0.3);
    expect(gap('priority')).toBeGreaterThan(0.1);
    expect(gap('logged_ratio')).toBeGreaterThan(0.1);
    expect(gap('sla_elapsed')).toBeGreaterThan(0.3);
    expect(lateRate((r) => num(r, 'times_blocked') >= 1)).toBeGreaterThan(base + 0.15);
    expect(lateRate((r) => r.features.currently_blocked === true)).toBeGreaterThan(base + 0.1);
    expect(lateRate((r) => num(r, 'sla_elapsed') > 1)).toBe(1);
  });

  it("depends on the technician's skill, record and load, and the customer's tier", () => {
    const gap = (feature: string): number => quartiles(feature).high - quartiles(feature).low;
    expect(gap('technician_skill')).toBeLessThan(-0.1);
    expect(gap('technician_on_time_rate')).toBeLessThan(-0.15);
    expect(gap('technician_open_orders')).toBeGreaterThan(0.15);
    expect(lateRate((r) => r.features.customer_tier === 'standard')).toBeGreaterThan(
      lateRate((r) => r.features.customer_tier === 'gold') + 0.05,
    );
  });

  it('ranks late orders first with simple scores, even at assignment', () => {
    expect(auc(rows, (r) => num(r, 'sla_elapsed'))).toBeGreaterThan(0.7);
    const atAssignment = rows.filter((r) => r.features.log_entries === 0);
    const risk = (r: FeatureRow): number =>
      num(r, 'estimated_hours') / 4 +
      num(r, 'priority') +
      num(r, 'technician_open_orders') / 2 -
      num(r, 'technician_skill') / 2 -
      3 * num(r, 'technician_on_time_rate');
    expect(auc(atAssignment, risk)).toBeGreaterThan(0.75);
  });
});
