// The slow, obvious twin of the work_order_overrun view, for its tests. It shares no code
// with the view: for each trigger it recomputes every feature from scratch, scanning only the
// events up to and including the trigger, and finds the label by looking for the order's
// first completion after it, unless the log's clock passes the 14-day horizon first (then 1).
// It also assembles committed logs from demo histories.
import type { Position } from '../../eventstore/types.js';
import type { FeatureRow, FeatureValue, LogEvent } from '../../ml/featureView.js';
import { createRandom } from '../../demo/random.js';
import type { DemoEvent } from '../../demo/workOrders.js';

const HOUR = 3_600_000;
const RANK: Record<string, number> = { low: 0, normal: 1, high: 2, urgent: 3 };
const round = (x: number): number => Math.round(x * 1e6) / 1e6;
const idOf = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1);
const at = (e: LogEvent): Position => ({
  transactionId: e.transactionId,
  globalPosition: e.globalPosition,
});

/**
 * A committed log of a demo history, in its order: events grouped into transactions of one to
 * three, transaction ids with gaps, and some neighbouring transactions holding their global
 * positions in the opposite order (a later transaction drew from the sequence first), so that
 * log order is (transaction id, global position), not global position alone.
 */
export const commitDemoLog = (events: readonly DemoEvent[], seed = 1): LogEvent[] => {
  const rng = createRandom(seed);
  const transactions: DemoEvent[][] = [];
  for (let i = 0; i < events.length;) {
    const size = Math.min(rng.int(1, 3), events.length - i);
    transactions.push(events.slice(i, i + size));
    i += size;
  }
  // Global positions: each transaction takes a block; some pairs swap their blocks.
  const firsts: number[] = [];
  let next = 1;
  for (const tx of transactions) {
    firsts.push(next);
    next += tx.length;
  }
  for (let t = 0; t + 1 < transactions.length; t += 2) {
    if (!rng.chance(0.3)) continue;
    const start = firsts[t] ?? 0;
    firsts[t + 1] = start;
    firsts[t] = start + (transactions[t + 1]?.length ?? 0);
  }
  const versions = new Map<string, number>();
  const log: LogEvent[] = [];
  transactions.forEach((tx, t) => {
    tx.forEach(({ streamId, event }, k) => {
      const version = (versions.get(streamId) ?? 0) + 1;
      versions.set(streamId, version);
      log.push({
        eventId: `e${log.length}`,
        streamId,
        streamVersion: version,
        type: event.type,
        schemaVersion: 1,
        data: event.data ?? {},
        occurredAt: event.occurredAt ?? 0,
        recordedAt: event.occurredAt ?? 0,
        globalPosition: (firsts[t] ?? 0) + k,
        transactionId: 500 + 3 * t,
      });
    });
  });
  return log;
};

/**
 * The history with extra cross-entity events sprinkled in at random (about one in fifty):
 * technicians certified at another skill level, customers changing tier, open orders
 * reassigned to another technician. The generator makes these rare; the oracle needs them.
 */
export const withCrossEntityEvents = (history: readonly DemoEvent[], seed = 1): DemoEvent[] => {
  const rng = createRandom(seed);
  const streams = (type: string): string[] =>
    history.filter((e) => e.event.type === type).map((e) => e.streamId);
  const technicians = streams('TechnicianHired');
  const customers = streams('CustomerRegistered');
  const open = new Set<string>();
  const out: DemoEvent[] = [];
  const add = (streamId: string, type: string, data: Record<string, unknown>, at: number): void => {
    out.push({ streamId, event: { type, data, occurredAt: at } });
  };
  for (const e of history) {
    out.push(e);
    if (e.event.type === 'WorkOrderCreated') open.add(e.streamId);
    if (e.event.type === 'WorkOrderCompleted') open.delete(e.streamId);
    if (!rng.chance(0.02)) continue;
    const at = e.event.occurredAt ?? 0;
    const technician = rng.pick(technicians);
    switch (rng.int(0, 2)) {
      case 0:
        add(technician, 'TechnicianCertified', { skillLevel: rng.int(1, 5) }, at);
        break;
      case 1:
        add(
          rng.pick(customers),
          'CustomerTierChanged',
          { tier: rng.pick(['gold', 'standard']) },
          at,
        );
        break;
      default:
        if (open.size === 0) break;
        add(rng.pick([...open]), 'WorkOrderAssigned', { technicianId: idOf(technician) }, at);
    }
  }
  return out;
};

interface Technician {
  completed: number;
  onTime: number;
}

/** The features of the order in `trigger`, from the events in `seen` (which ends with it). */
const featuresAt = (seen: readonly LogEvent[], trigger: LogEvent): Record<string, FeatureValue> => {
  const now = trigger.occurredAt;
  const own = seen.filter((e) => e.streamId === trigger.streamId);
  const created = own.find((e) => e.type === 'WorkOrderCreated');
  if (!created) throw new Error('features of an order never created');
  const createdAt = created.occurredAt;
  const dueAt = Date.parse(String(created.data.dueAt));
  const estimated = created.data.estimatedHours as number;
  const logs = own.filter((e) => e.type === 'WorkLogged');
  const hoursLogged = logs.reduce((sum, e) => sum + (e.data.hours as number), 0);
  let timesBlocked = 0;
  let blockedMs = 0;
  let blockedSince: number | null = null;
  for (const e of own) {
    if (e.type === 'WorkOrderBlocked') {
      timesBlocked += 1;
      blockedSince ??= e.occurredAt;
    } else if (e.type === 'WorkOrderUnblocked' && blockedSince !== null) {
      blockedMs += e.occurredAt - blockedSince;
      blockedSince = null;
    }
  }
  const assignments = own.filter((e) => e.type === 'WorkOrderAssigned');
  const technicianId = (assignments.at(-1)?.data.technicianId as string | undefined) ?? null;

  // Everyone's record, replayed from the start of the log up to the trigger.
  const assignedTo = new Map<string, string>();
  const completedOrders = new Set<string>();
  const technicians = new Map<string, Technician>();
  let completed = 0;
  let onTime = 0;
  for (const e of seen) {
    if (e.type === 'WorkOrderAssigned') assignedTo.set(e.streamId, e.data.technicianId as string);
    if (e.type !== 'WorkOrderCompleted') continue;
    completedOrders.add(e.streamId);
    const late = e.data.late === true;
    completed += 1;
    if (!late) onTime += 1;
    const tech = assignedTo.get(e.streamId);
    if (tech === undefined) continue;
    const record = technicians.get(tech) ?? { completed: 0, onTime: 0 };
    record.completed += 1;
    if (!late) record.onTime += 1;
    technicians.set(tech, record);
  }
  const skillEvents = seen.filter(
    (e) =>
      e.streamId === `technician-${technicianId}` &&
      (e.type === 'TechnicianHired' || e.type === 'TechnicianCertified'),
  );
  const customerId = created.data.customerId as string;
  const tierEvents = seen.filter(
    (e) =>
      e.streamId === `customer-${customerId}` &&
      (e.type === 'CustomerRegistered' || e.type === 'CustomerTierChanged'),
  );
  const openOrders = [...assignedTo.entries()].filter(
    ([order, tech]) => tech === technicianId && !completedOrders.has(order),
  ).length;
  const record = technicianId === null ? undefined : technicians.get(technicianId);
  const prior = completed === 0 ? 0.5 : onTime / completed;
  const techCompleted = record?.completed ?? 0;
  const techOnTime = record?.onTime ?? 0;
  const sla = dueAt - createdAt;
  return {
    priority: RANK[String(created.data.priority)] ?? null,
    estimated_hours: estimated,
    sla_hours: round(sla / HOUR),
    hours_since_created: round((now - createdAt) / HOUR),
    hours_to_due: round((dueAt - now) / HOUR),
    sla_elapsed: round((now - createdAt) / sla),
    hours_logged: round(hoursLogged),
    log_entries: logs.length,
    logged_ratio: round(hoursLogged / estimated),
    times_blocked: timesBlocked,
    currently_blocked: blockedSince !== null,
    blocked_hours: round((blockedMs + (blockedSince === null ? 0 : now - blockedSince)) / HOUR),
    technician_skill:
      technicianId === null ? null : ((skillEvents.at(-1)?.data.skillLevel as number) ?? null),
    technician_completed: technicianId === null ? null : techCompleted,
    technician_on_time_rate:
      technicianId === null ? null : round((techOnTime + 2 * prior) / (techCompleted + 2)),
    technician_open_orders: technicianId === null ? null : openOrders,
    customer_tier: (tierEvents.at(-1)?.data.tier as string | undefined) ?? null,
  };
};

/** The view's label horizon: an order still open 14 days after an observation is late. */
const LABEL_WITHIN = 14 * 24 * HOUR;

/** The rows the view must produce for this log, computed the slow way; in log order. */
export const oracleRows = (log: readonly LogEvent[]): FeatureRow[] => {
  const rows: FeatureRow[] = [];
  // The log's clock after each event: the newest business time so far.
  const clocks: number[] = [];
  log.forEach((e, i) => clocks.push(Math.max(clocks[i - 1] ?? -Infinity, e.occurredAt)));
  log.forEach((trigger, i) => {
    if (trigger.type !== 'WorkOrderAssigned' && trigger.type !== 'WorkLogged') return;
    const seen = log.slice(0, i + 1);
    const own = seen.filter((e) => e.streamId === trigger.streamId);
    const open =
      own.some((e) => e.type === 'WorkOrderCreated') &&
      !own.some((e) => e.type === 'WorkOrderCompleted');
    if (!open) return;
    const later = (j: number) => j > i;
    const completion = log.findIndex(
      (e, j) => later(j) && e.streamId === trigger.streamId && e.type === 'WorkOrderCompleted',
    );
    // The first event whose time is past the horizon: the observation matures before it applies.
    const matures = clocks.findIndex(
      (clock, j) => later(j) && clock > trigger.occurredAt + LABEL_WITHIN,
    );
    const outcome =
      completion >= 0 && (matures < 0 || completion < matures) ? log[completion] : undefined;
    const maturedAt = !outcome && matures >= 0 ? log[matures] : undefined;
    rows.push({
      entityId: idOf(trigger.streamId),
      observedAt: trigger.occurredAt,
      position: at(trigger),
      features: featuresAt(seen, trigger),
      label: outcome ? (outcome.data.late === true ? 1 : 0) : maturedAt ? 1 : null,
      labelPosition: outcome ? at(outcome) : maturedAt ? at(maturedAt) : null,
      labelledAt: outcome
        ? outcome.occurredAt
        : maturedAt
          ? trigger.occurredAt + LABEL_WITHIN
          : null,
    });
  });
  return rows;
};
