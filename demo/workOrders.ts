// The demo domain: an ERP's work orders and a work-logging system's time entries, generated
// from a seed. Lateness has causes a model can learn: estimated size, priority and its SLA,
// blocking, the pace of the work, the technician's skill, record and load, the customer's tier.
// Some causes stay hidden (each technician's speed, each customer's knack for blocking work),
// so a technician's on-time record tells more than the skill level on file.
import type { NewEvent } from '../eventstore/index.js';
import { createEventQueue, type Timed } from './eventQueue.js';
import { createRandom, type Random } from './random.js';

export interface DemoEvent {
  streamId: string;
  event: NewEvent;
}

/** From `at` on, new work orders follow changed dynamics: a model trained before goes stale. */
export interface DemoDrift {
  /** Business time, ms since the epoch: work orders created at or after it are affected. */
  at: number;
  /** Multiplies the work an order really takes (estimates turn optimistic). Default 1.5. */
  paceFactor?: number;
  /** Multiplies the chance that a work session ends in a block. Default 2.5. */
  blockFactor?: number;
  /**
   * Each technician's hidden speed is drawn anew (new tools, new kinds of jobs), so their
   * records stop predicting their work for a while. Default true.
   */
  reshuffleTechnicians?: boolean;
}

export interface DemoOptions {
  seed?: number;
  workOrders?: number;
  technicians?: number;
  customers?: number;
  /** Business time of the first event, ms since the epoch. */
  start?: number;
  drift?: DemoDrift;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
type Priority = 'low' | 'normal' | 'high' | 'urgent';
const SLA_DAYS: Record<Priority, number> = { low: 14, normal: 7, high: 3, urgent: 1 };
/** Mean hours from creation to assignment, and between two work sessions, by priority. */
const ASSIGN_HOURS: Record<Priority, number> = { low: 12, normal: 6, high: 2, urgent: 0.5 };
const GAP_HOURS: Record<Priority, number> = { low: 32, normal: 16, high: 6, urgent: 1 };
/** Each other open order of the technician stretches the gaps by this fraction. */
const LOAD_EFFECT = 0.2;
const GOLD_GAP_FACTOR = 0.7;
const BLOCK_CHANCE = 0.08;
const BLOCK_MEAN_HOURS = 30;
/** The chance that the technician logs some diagnosis while the order is blocked. */
const DIAGNOSIS_CHANCE = 0.4;
const CERTIFICATION_CHANCE = 0.003;
const TIER_CHANGE_CHANCE = 0.005;
const BLOCK_REASONS = [
  'waiting for parts',
  'customer unavailable',
  'access denied',
  'waiting for approval',
];
const NAMES = [
  'Ada',
  'Bo',
  'Chen',
  'Dara',
  'Eli',
  'Femi',
  'Gus',
  'Hana',
  'Ivo',
  'Jun',
  'Kai',
  'Lea',
];
const COMPANIES = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Tyrell',
  'Cyberdyne',
];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const round2 = (x: number): number => Math.round(x * 100) / 100;
/** A duration in hours as ms, to the minute. */
const hours = (h: number): number => Math.round(h * 60) * MINUTE;

interface Technician {
  id: string;
  skill: number;
  /** Hidden: multiplies the work every order takes this technician (below 1: faster). */
  slowness: number;
  /** Assignment and completion times of this technician's orders not yet known to be done. */
  orders: { assignedAt: number; completedAt: number }[];
}

interface Customer {
  id: string;
  tier: 'standard' | 'gold';
  /** Hidden: multiplies the chance that work for this customer gets blocked. */
  blockiness: number;
}

interface PendingEvent extends Timed {
  streamId: string;
  type: string;
  data: Record<string, unknown>;
}

type Emit = (streamId: string, at: number, type: string, data: Record<string, unknown>) => void;

const pickPriority = (rng: Random): Priority => {
  const r = rng.next();
  return r < 0.25 ? 'low' : r < 0.7 ? 'normal' : r < 0.9 ? 'high' : 'urgent';
};

/** Other orders the technician holds at `at`; forgets orders done before `horizon`. */
const openLoad = (technician: Technician, at: number, horizon: number): number => {
  technician.orders = technician.orders.filter((o) => o.completedAt >= horizon);
  return technician.orders.filter((o) => o.assignedAt <= at && at < o.completedAt).length;
};

const simulateWorkOrder = (
  rng: Random,
  index: number,
  createdAt: number,
  technicians: Technician[],
  customers: Customer[],
  drift: Required<DemoDrift> | undefined,
  emit: Emit,
): void => {
  const id = `WO-${pad(10001 + index, 6)}`;
  const stream = `workorder-${id}`;
  const priority = pickPriority(rng);
  const customer = rng.pick(customers);
  const estimatedHours = Math.max(1, Math.round(rng.normal(6, 4)));
  const dueAt = createdAt + SLA_DAYS[priority] * DAY;
  const drifted = drift !== undefined && createdAt >= drift.at;
  emit(stream, createdAt, 'WorkOrderCreated', {
    workOrderId: id,
    customerId: customer.id,
    priority,
    estimatedHours,
    dueAt: new Date(dueAt).toISOString(),
  });
  const technician = rng.pick(technicians);
  let at = createdAt + hours(rng.exponential(ASSIGN_HOURS[priority]));
  const assignedAt = at;
  const load = openLoad(technician, at, createdAt);
  emit(stream, at, 'WorkOrderAssigned', { workOrderId: id, technicianId: technician.id });
  // Skilled technicians work faster; big jobs overrun their estimate more often.
  const pace =
    Math.max(0.4, rng.normal(1.45 - technician.skill * 0.15 + estimatedHours / 40, 0.15)) *
    technician.slowness *
    (drifted ? drift.paceFactor : 1);
  const meanGap =
    GAP_HOURS[priority] *
    (1 + LOAD_EFFECT * load) *
    (customer.tier === 'gold' ? GOLD_GAP_FACTOR : 1);
  const blockChance = BLOCK_CHANCE * customer.blockiness * (drifted ? drift.blockFactor : 1);
  let remaining = estimatedHours * pace;
  let worked = 0;
  while (remaining > 0) {
    at += hours(0.25 + rng.exponential(meanGap));
    if (rng.chance(blockChance)) {
      emit(stream, at, 'WorkOrderBlocked', { workOrderId: id, reason: rng.pick(BLOCK_REASONS) });
      const blockedFor = hours(2 + rng.exponential(BLOCK_MEAN_HOURS));
      if (rng.chance(DIAGNOSIS_CHANCE)) {
        const diagnosis = Math.min(remaining, 0.5);
        worked += diagnosis;
        remaining -= diagnosis;
        emit(stream, at + Math.round(blockedFor / 2 / MINUTE) * MINUTE, 'WorkLogged', {
          workOrderId: id,
          technicianId: technician.id,
          hours: round2(diagnosis),
        });
      }
      at += blockedFor;
      emit(stream, at, 'WorkOrderUnblocked', { workOrderId: id });
      if (remaining <= 0) break;
    }
    const session = Math.min(remaining, rng.int(1, 4));
    worked += session;
    remaining -= session;
    at += hours(session);
    emit(stream, at, 'WorkLogged', {
      workOrderId: id,
      technicianId: technician.id,
      hours: round2(session),
    });
  }
  at += rng.int(1, 4) * HOUR;
  technician.orders.push({ assignedAt, completedAt: at });
  emit(stream, at, 'WorkOrderCompleted', {
    workOrderId: id,
    actualHours: round2(worked),
    late: at > dueAt,
  });
};

/**
 * Generates a demo history lazily, in business-time order: each work order is simulated
 * whole when it is created, and its events wait in a queue until time reaches them, so only
 * the orders in progress are held. A million events cost a few seconds and little memory.
 */
export function* generateDemoEvents({
  seed = 42,
  workOrders = 60,
  technicians = 8,
  customers = 12,
  start = Date.UTC(2026, 0, 5, 8),
  drift,
}: DemoOptions = {}): Generator<DemoEvent, void, undefined> {
  const rng = createRandom(seed);
  const queue = createEventQueue<PendingEvent>();
  let seq = 0;
  const emit: Emit = (streamId, at, type, data) =>
    queue.push({ at, seq: seq++, streamId, type, data });
  const driftRules = drift && {
    paceFactor: 1.5,
    blockFactor: 2.5,
    reshuffleTechnicians: true,
    ...drift,
  };
  let drifted = false;
  const techs: Technician[] = Array.from({ length: technicians }, (_, i) => ({
    id: `T${pad(i + 1, 2)}`,
    skill: rng.int(1, 5),
    slowness: Math.exp(rng.normal(0, 0.3)),
    orders: [],
  }));
  techs.forEach((tech, i) =>
    emit(`technician-${tech.id}`, start, 'TechnicianHired', {
      technicianId: tech.id,
      name: NAMES[i % NAMES.length],
      skillLevel: tech.skill,
    }),
  );
  const clients: Customer[] = Array.from({ length: customers }, (_, i) => ({
    id: `C${pad(i + 1, 3)}`,
    tier: rng.chance(0.3) ? 'gold' : 'standard',
    blockiness: Math.exp(rng.normal(0, 0.5)),
  }));
  clients.forEach((customer, i) =>
    emit(`customer-${customer.id}`, start, 'CustomerRegistered', {
      customerId: customer.id,
      name: `${COMPANIES[i % COMPANIES.length]} ${Math.floor(i / COMPANIES.length) + 1}`,
      tier: customer.tier,
    }),
  );
  const release = function* (until: number): Generator<DemoEvent, void, undefined> {
    for (let next = queue.peek(); next !== undefined && next.at <= until; next = queue.peek()) {
      queue.pop();
      yield {
        streamId: next.streamId,
        event: {
          type: next.type,
          data: next.data,
          occurredAt: next.at,
          metadata: { actor: 'demo-generator' },
        },
      };
    }
  };
  let createdAt = start + HOUR;
  for (let i = 0; i < workOrders; i++) {
    // About one new order per technician every two days, however many technicians there are.
    createdAt += hours((rng.int(1, 10) * 8) / technicians);
    // Everything before this creation is final: no later-created order emits anything earlier.
    yield* release(createdAt);
    if (driftRules && !drifted && createdAt >= driftRules.at) {
      drifted = true;
      if (driftRules.reshuffleTechnicians) {
        for (const tech of techs) tech.slowness = Math.exp(rng.normal(0, 0.5));
      }
    }
    if (rng.chance(CERTIFICATION_CHANCE)) {
      const tech = rng.pick(techs);
      if (tech.skill < 5) {
        tech.skill += 1;
        emit(`technician-${tech.id}`, createdAt, 'TechnicianCertified', {
          technicianId: tech.id,
          skillLevel: tech.skill,
        });
      }
    }
    if (rng.chance(TIER_CHANGE_CHANCE)) {
      const customer = rng.pick(clients);
      customer.tier = customer.tier === 'gold' ? 'standard' : 'gold';
      emit(`customer-${customer.id}`, createdAt, 'CustomerTierChanged', {
        customerId: customer.id,
        tier: customer.tier,
      });
    }
    simulateWorkOrder(rng, i, createdAt, techs, clients, driftRules, emit);
  }
  yield* release(Infinity);
}

/** Generates a small demo history as an array, sorted by business time. */
export const generateDemoHistory = (options: DemoOptions = {}): DemoEvent[] => [
  ...generateDemoEvents(options),
];
