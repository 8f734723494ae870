// The demo domain's feature view: will an open work order be completed late?
//
// Trigger rule: the view observes a work order at its WorkOrderAssigned and at each of its
// WorkLogged events while it is open (created, not yet completed). The trigger is applied
// first, so an observation sees the trigger itself and everything before it in commit order,
// nothing after; "now" is the trigger's business time. Its label is the `late` flag of the
// order's next WorkOrderCompleted (1 late, 0 on time), or 1 when the order is still open 14
// days after the observation (see `labelHorizon`). Technicians and customers come from
// their own streams (TechnicianHired/Certified, CustomerRegistered/TierChanged).
import { defineFeatureView, type FeatureEmitter, type Features, type LogEvent } from 'hindsight';

interface OrderState {
  customerId: string | null;
  technicianId: string | null;
  priority: number | null;
  estimatedHours: number | null;
  createdAt: number;
  dueAt: number | null;
  hoursLogged: number;
  logEntries: number;
  timesBlocked: number;
  /** Business time the current block began; null when not blocked. */
  blockedSince: number | null;
  /** Hours of the blocks that have ended. */
  blockedHours: number;
}

interface TechnicianState {
  skillLevel: number | null;
  completed: number;
  onTime: number;
  openOrders: number;
}

export interface WorkOrderOverrunState {
  /** Open work orders by id; an order leaves when it is completed. */
  orders: Map<string, OrderState>;
  technicians: Map<string, TechnicianState>;
  /** Customers' tiers by id. */
  customers: Map<string, string | null>;
  /** Orders completed so far, by anyone: the prior of a technician's on-time rate. */
  completed: number;
  onTime: number;
}

export const WORK_ORDER_OVERRUN_FEATURES = [
  'priority',
  'estimated_hours',
  'sla_hours',
  'hours_since_created',
  'hours_to_due',
  'sla_elapsed',
  'hours_logged',
  'log_entries',
  'logged_ratio',
  'times_blocked',
  'currently_blocked',
  'blocked_hours',
  'technician_skill',
  'technician_completed',
  'technician_on_time_rate',
  'technician_open_orders',
  'customer_tier',
] as const;

const PARAMETERS = {
  hour: 3_600_000,
  priorityRank: { low: 0, normal: 1, high: 2, urgent: 3 } as Record<string, number>,
  /** A technician's on-time rate starts from the overall rate, weighted as this many orders. */
  priorWeight: 2,
  /** The prior when no order has been completed at all. */
  initialOnTimeRate: 0.5,
  decimals: 1e6,
};

/** The id part of a stream id: `workorder-WO-010001` → `WO-010001`. */
const entityOf = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1);

const numberOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** A time as ISO text or ms since the epoch. */
const timeOrNull = (value: unknown): number | null => {
  const ms = typeof value === 'string' ? Date.parse(value) : numberOrNull(value);
  return ms === null || Number.isNaN(ms) ? null : ms;
};

/** Rounded to a fixed number of decimals, so that rows read cleanly and hash stably. */
const rounded = (value: number | null): number | null =>
  value === null ? null : Math.round(value * PARAMETERS.decimals) / PARAMETERS.decimals;

const technicianOf = (state: WorkOrderOverrunState, id: string): TechnicianState => {
  const known = state.technicians.get(id);
  if (known) return known;
  const technician = { skillLevel: null, completed: 0, onTime: 0, openOrders: 0 };
  state.technicians.set(id, technician);
  return technician;
};

const priorityRank = (priority: unknown): number | null => {
  const ranks = PARAMETERS.priorityRank;
  return typeof priority === 'string' && Object.hasOwn(ranks, priority)
    ? (ranks[priority] ?? null)
    : null;
};

const featuresOf = (state: WorkOrderOverrunState, order: OrderState, now: number): Features => {
  const { hour } = PARAMETERS;
  const technician =
    order.technicianId === null ? undefined : state.technicians.get(order.technicianId);
  const prior =
    state.completed === 0 ? PARAMETERS.initialOnTimeRate : state.onTime / state.completed;
  const slaMs = order.dueAt === null ? null : order.dueAt - order.createdAt;
  const ongoingBlockMs = order.blockedSince === null ? 0 : now - order.blockedSince;
  return {
    priority: order.priority,
    estimated_hours: order.estimatedHours,
    sla_hours: slaMs === null ? null : rounded(slaMs / hour),
    hours_since_created: rounded((now - order.createdAt) / hour),
    hours_to_due: order.dueAt === null ? null : rounded((order.dueAt - now) / hour),
    sla_elapsed: slaMs === null || slaMs <= 0 ? null : rounded((now - order.createdAt) / slaMs),
    hours_logged: rounded(order.hoursLogged),
    log_entries: order.logEntries,
    logged_ratio:
      order.estimatedHours === null || order.estimatedHours <= 0
        ? null
        : rounded(order.hoursLogged / order.estimatedHours),
    times_blocked: order.timesBlocked,
    currently_blocked: order.blockedSince !== null,
    blocked_hours: rounded(order.blockedHours + ongoingBlockMs / hour),
    technician_skill: technician?.skillLevel ?? null,
    technician_completed: technician?.completed ?? null,
    technician_on_time_rate: technician
      ? rounded(
          (technician.onTime + PARAMETERS.priorWeight * prior) /
            (technician.completed + PARAMETERS.priorWeight),
        )
      : null,
    technician_open_orders: technician?.openOrders ?? null,
    customer_tier:
      order.customerId === null ? null : (state.customers.get(order.customerId) ?? null),
  };
};

/** An open order's features as of `now`; null for an order unknown or completed. */
const openOrderFeatures = (
  state: WorkOrderOverrunState,
  entityId: string,
  now: number,
): Features | null => {
  const order = state.orders.get(entityId);
  return order ? featuresOf(state, order, now) : null;
};

const applyWorkOrderEvent = (
  state: WorkOrderOverrunState,
  event: LogEvent,
  emit: FeatureEmitter,
): void => {
  const id = entityOf(event.streamId);
  const { data, occurredAt: now } = event;
  if (event.type === 'WorkOrderCreated') {
    if (state.orders.has(id)) return;
    state.orders.set(id, {
      customerId: stringOrNull(data.customerId),
      technicianId: null,
      priority: priorityRank(data.priority),
      estimatedHours: numberOrNull(data.estimatedHours),
      createdAt: now,
      dueAt: timeOrNull(data.dueAt),
      hoursLogged: 0,
      logEntries: 0,
      timesBlocked: 0,
      blockedSince: null,
      blockedHours: 0,
    });
    return;
  }
  // Events of orders never created in this log, or already completed, are ignored.
  const order = state.orders.get(id);
  if (!order) return;
  switch (event.type) {
    case 'WorkOrderAssigned': {
      const technicianId = stringOrNull(data.technicianId);
      if (order.technicianId !== null) technicianOf(state, order.technicianId).openOrders -= 1;
      if (technicianId !== null) technicianOf(state, technicianId).openOrders += 1;
      order.technicianId = technicianId;
      emit.observe(id, openOrderFeatures(state, id, now) as Features);
      return;
    }
    case 'WorkLogged':
      order.hoursLogged += numberOrNull(data.hours) ?? 0;
      order.logEntries += 1;
      emit.observe(id, openOrderFeatures(state, id, now) as Features);
      return;
    case 'WorkOrderBlocked':
      order.timesBlocked += 1;
      order.blockedSince ??= now;
      return;
    case 'WorkOrderUnblocked':
      if (order.blockedSince !== null) {
        order.blockedHours += (now - order.blockedSince) / PARAMETERS.hour;
        order.blockedSince = null;
      }
      return;
    case 'WorkOrderCompleted': {
      const late =
        typeof data.late === 'boolean' ? data.late : order.dueAt !== null && now > order.dueAt;
      emit.label(id, late ? 1 : 0);
      state.completed += 1;
      if (!late) state.onTime += 1;
      if (order.technicianId !== null) {
        const technician = technicianOf(state, order.technicianId);
        technician.openOrders -= 1;
        technician.completed += 1;
        if (!late) technician.onTime += 1;
      }
      state.orders.delete(id);
      return;
    }
  }
};

const applyWorkOrderOverrun = (
  state: WorkOrderOverrunState,
  event: LogEvent,
  emit: FeatureEmitter,
): void => {
  const { data } = event;
  switch (event.type) {
    case 'TechnicianHired':
    case 'TechnicianCertified':
      technicianOf(state, entityOf(event.streamId)).skillLevel = numberOrNull(data.skillLevel);
      return;
    case 'CustomerRegistered':
    case 'CustomerTierChanged':
      state.customers.set(entityOf(event.streamId), stringOrNull(data.tier));
      return;
    default:
      applyWorkOrderEvent(state, event, emit);
  }
};

export const workOrderOverrunView = defineFeatureView<WorkOrderOverrunState>({
  name: 'work_order_overrun',
  version: 1,
  featureNames: WORK_ORDER_OVERRUN_FEATURES,
  featureTypes: { currently_blocked: 'boolean', customer_tier: 'string' },
  // Every SLA is at most 14 days from creation, and an order is observed after it was created,
  // so an order still open 14 days after an observation is past its due date: it will be late.
  // Its label is final then, exactly; rows newer than 14 days at the cut are immature, since
  // only their fast outcomes would be known.
  labelHorizon: { within: 14 * 24 * PARAMETERS.hour, otherwise: 1 },
  eventTypes: [
    'TechnicianHired',
    'TechnicianCertified',
    'CustomerRegistered',
    'CustomerTierChanged',
    'WorkOrderCreated',
    'WorkOrderAssigned',
    'WorkLogged',
    'WorkOrderBlocked',
    'WorkOrderUnblocked',
    'WorkOrderCompleted',
  ],
  initialState: () => ({
    orders: new Map(),
    technicians: new Map(),
    customers: new Map(),
    completed: 0,
    onTime: 0,
  }),
  apply: applyWorkOrderOverrun,
  featuresNow: openOrderFeatures,
  openEntities: (state) => [...state.orders.keys()].sort(),
  code: [
    applyWorkOrderEvent,
    featuresOf,
    technicianOf,
    priorityRank,
    rounded,
    timeOrNull,
    stringOrNull,
    numberOrNull,
    entityOf,
  ],
  constants: PARAMETERS,
});
