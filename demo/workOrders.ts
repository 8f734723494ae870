// The demo domain: an ERP's work orders and a work-logging system's time entries, generated
// from a seed. Lateness has causes a model can learn: estimated size, priority, blocking,
// the technician's skill and load.
import type { NewEvent } from '../eventstore/types.js';
import { createRandom, type Random } from './random.js';

export interface DemoEvent {
  streamId: string;
  event: NewEvent;
}

export interface DemoOptions {
  seed?: number;
  workOrders?: number;
  technicians?: number;
  customers?: number;
  /** Business time of the first event, ms since the epoch. */
  start?: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const SLA_DAYS: Record<(typeof PRIORITIES)[number], number> = {
  low: 14,
  normal: 7,
  high: 3,
  urgent: 1,
};
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

interface Timed extends DemoEvent {
  at: number;
  seq: number;
}

const simulateWorkOrder = (
  rng: Random,
  index: number,
  createdAt: number,
  technicians: { id: string; skill: number }[],
  customers: string[],
  emit: (streamId: string, at: number, type: string, data: Record<string, unknown>) => void,
): void => {
  const id = `WO-${pad(10001 + index, 6)}`;
  const stream = `workorder-${id}`;
  const priority = rng.pick(PRIORITIES);
  const estimatedHours = Math.max(1, Math.round(rng.normal(6, 4)));
  const dueAt = createdAt + SLA_DAYS[priority] * DAY;
  emit(stream, createdAt, 'WorkOrderCreated', {
    workOrderId: id,
    customerId: rng.pick(customers),
    priority,
    estimatedHours,
    dueAt: new Date(dueAt).toISOString(),
  });
  const technician = rng.pick(technicians);
  let at = createdAt + rng.int(1, 8) * HOUR;
  emit(stream, at, 'WorkOrderAssigned', { workOrderId: id, technicianId: technician.id });
  // Skilled technicians work faster; big jobs overrun their estimate more often.
  const pace = Math.max(0.4, rng.normal(1.3 - technician.skill * 0.1 + estimatedHours / 40, 0.25));
  let remaining = estimatedHours * pace;
  let worked = 0;
  while (remaining > 0) {
    at += rng.int(2, 20) * HOUR;
    if (rng.chance(0.12)) {
      emit(stream, at, 'WorkOrderBlocked', { workOrderId: id, reason: rng.pick(BLOCK_REASONS) });
      at += rng.int(12, 96) * HOUR;
      emit(stream, at, 'WorkOrderUnblocked', { workOrderId: id });
    }
    const hours = Math.min(remaining, rng.int(1, 4));
    worked += hours;
    remaining -= hours;
    emit(stream, at, 'WorkLogged', {
      workOrderId: id,
      technicianId: technician.id,
      hours: Math.round(hours * 100) / 100,
    });
  }
  at += rng.int(1, 6) * HOUR;
  emit(stream, at, 'WorkOrderCompleted', {
    workOrderId: id,
    actualHours: Math.round(worked * 100) / 100,
    late: at > dueAt,
  });
};

/** Generates a demo history, sorted by business time. */
export const generateDemoHistory = ({
  seed = 42,
  workOrders = 60,
  technicians = 8,
  customers = 12,
  start = Date.UTC(2026, 0, 5, 8),
}: DemoOptions = {}): DemoEvent[] => {
  const rng = createRandom(seed);
  const events: Timed[] = [];
  let seq = 0;
  const emit = (
    streamId: string,
    at: number,
    type: string,
    data: Record<string, unknown>,
  ): void => {
    events.push({
      streamId,
      at,
      seq: seq++,
      event: { type, data, occurredAt: at, metadata: { actor: 'demo-generator' } },
    });
  };
  const techs = Array.from({ length: technicians }, (_, i) => ({
    id: `T${pad(i + 1, 2)}`,
    skill: rng.int(1, 5),
  }));
  techs.forEach((tech, i) =>
    emit(`technician-${tech.id}`, start, 'TechnicianHired', {
      technicianId: tech.id,
      name: NAMES[i % NAMES.length],
      skillLevel: tech.skill,
    }),
  );
  const customerIds = Array.from({ length: customers }, (_, i) => `C${pad(i + 1, 3)}`);
  customerIds.forEach((id, i) =>
    emit(`customer-${id}`, start, 'CustomerRegistered', {
      customerId: id,
      name: `${COMPANIES[i % COMPANIES.length]} ${Math.floor(i / COMPANIES.length) + 1}`,
      tier: rng.pick(['standard', 'gold']),
    }),
  );
  let createdAt = start + HOUR;
  for (let i = 0; i < workOrders; i++) {
    createdAt += rng.int(1, 10) * HOUR;
    simulateWorkOrder(rng, i, createdAt, techs, customerIds, emit);
  }
  return events
    .sort((a, b) => a.at - b.at || a.seq - b.seq)
    .map(({ streamId, event }) => ({ streamId, event }));
};
