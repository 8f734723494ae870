// Unit tests of the seeded demo generator.
import { describe, expect, it } from 'vitest';
import { categoryOf, prepareEvents, validateStreamId } from '../../eventstore/validation.js';
import { v5 as uuidv5 } from 'uuid';
import { demoEventId } from '../../demo/demoEventIds.js';
import { generateDemoLog } from '../../demo/demoLog.js';
import { createEventQueue } from '../../demo/eventQueue.js';
import { createRandom } from '../../demo/random.js';
import { generateDemoEvents, generateDemoHistory, type DemoEvent } from '../../demo/workOrders.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SLA_DAYS: Record<string, number> = { low: 14, normal: 7, high: 3, urgent: 1 };

const byStream = (events: DemoEvent[]): Map<string, DemoEvent[]> => {
  const streams = new Map<string, DemoEvent[]>();
  for (const e of events) {
    const list = streams.get(e.streamId) ?? [];
    list.push(e);
    streams.set(e.streamId, list);
  }
  return streams;
};

const workOrderStreams = (events: DemoEvent[]): DemoEvent[][] =>
  [...byStream(events).entries()]
    .filter(([id]) => categoryOf(id) === 'workorder')
    .map(([, list]) => list);

const occurredAt = (e: DemoEvent | undefined): number => {
  if (e?.event.occurredAt === undefined) throw new Error('event without occurredAt');
  return e.event.occurredAt;
};

describe('createRandom', () => {
  it('is the mulberry32 generator (pinned values, so histories match everywhere)', () => {
    const rng = createRandom(42);
    expect([rng.next(), rng.next(), rng.next()]).toEqual([
      0.6011037519201636, 0.44829055899754167, 0.8524657934904099,
    ]);
  });

  it('gives the same sequence for the same seed, another for another seed', () => {
    const draw = (seed: number): number[] => {
      const rng = createRandom(seed);
      return Array.from({ length: 100 }, () => rng.next());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('draws next() from [0, 1)', () => {
    const rng = createRandom(1);
    const xs = Array.from({ length: 10_000 }, () => rng.next());
    expect(xs.filter((x) => !(x >= 0 && x < 1))).toEqual([]);
    expect(Math.min(...xs)).toBeLessThan(0.01);
    expect(Math.max(...xs)).toBeGreaterThan(0.99);
  });

  it('keeps int(min, max) within the bounds, inclusive, and reaches both ends', () => {
    const rng = createRandom(3);
    const draws = (min: number, max: number, n = 10_000): number[] =>
      Array.from({ length: n }, () => rng.int(min, max));
    const seen = (ns: number[]): number[] => [...new Set(ns)].sort((a, b) => a - b);
    expect(seen(draws(3, 7))).toEqual([3, 4, 5, 6, 7]);
    expect(seen(draws(-2, 2))).toEqual([-2, -1, 0, 1, 2]);
    expect(seen(draws(1, 100, 50_000))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(seen(draws(5, 5, 50))).toEqual([5]);
  });

  it('picks every item of a list and refuses an empty one', () => {
    const rng = createRandom(5);
    const items = ['a', 'b', 'c'] as const;
    const seen = new Set(Array.from({ length: 300 }, () => rng.pick(items)));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    expect(() => rng.pick([])).toThrow('pick from an empty list');
  });

  it('honours chance() at its extremes and roughly in between', () => {
    const rng = createRandom(11);
    const draws = (p: number): number =>
      Array.from({ length: 10_000 }, () => rng.chance(p)).filter(Boolean).length;
    expect(draws(0)).toBe(0);
    expect(draws(1)).toBe(10_000);
    expect(draws(0.25)).toBeGreaterThan(2300);
    expect(draws(0.25)).toBeLessThan(2700);
  });

  it('draws normal() around its mean with its spread', () => {
    const rng = createRandom(13);
    const xs = Array.from({ length: 20_000 }, () => rng.normal(10, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
    expect(xs.every(Number.isFinite)).toBe(true);
    expect(mean).toBeGreaterThan(9.9);
    expect(mean).toBeLessThan(10.1);
    expect(sd).toBeGreaterThan(1.9);
    expect(sd).toBeLessThan(2.1);
  });

  it('draws exponential() waiting times, positive, around their mean', () => {
    const rng = createRandom(17);
    const xs = Array.from({ length: 20_000 }, () => rng.exponential(3));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(xs.every((x) => x >= 0 && Number.isFinite(x))).toBe(true);
    expect(mean).toBeGreaterThan(2.9);
    expect(mean).toBeLessThan(3.1);
  });
});

describe('createEventQueue', () => {
  it('pops by time, then by emission order', () => {
    const queue = createEventQueue<{ at: number; seq: number }>();
    const rng = createRandom(19);
    const items = Array.from({ length: 500 }, (_, seq) => ({ at: rng.int(0, 50), seq }));
    for (const item of items) queue.push(item);
    expect(queue.size).toBe(500);
    expect(queue.peek()).toEqual([...items].sort((a, b) => a.at - b.at || a.seq - b.seq)[0]);
    const popped: { at: number; seq: number }[] = [];
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) popped.push(item);
    expect(popped).toEqual([...items].sort((a, b) => a.at - b.at || a.seq - b.seq));
    expect(queue.size).toBe(0);
    expect(queue.peek()).toBeUndefined();
  });
});

describe('demoEventId', () => {
  it("is the uuid package's v5 id, so that appending the demo twice appends nothing new", () => {
    const namespace = '6f1c1d2e-8a4b-5c3d-9e0f-1a2b3c4d5e6f';
    for (const [seed, index] of [
      [42, 0],
      [42, 1],
      [7, 123_456],
      [0, 99],
    ] as const) {
      expect(demoEventId(seed, index)).toBe(uuidv5(`${seed}:${index}`, namespace));
    }
  });
});

describe('generateDemoHistory', () => {
  const history = generateDemoHistory({ workOrders: 300 });

  it('is deterministic for a seed and differs for another seed', () => {
    expect(generateDemoHistory({ seed: 7 })).toEqual(generateDemoHistory({ seed: 7 }));
    expect(generateDemoHistory({ seed: 7 })).not.toEqual(generateDemoHistory({ seed: 8 }));
    expect(generateDemoHistory()).toEqual(generateDemoHistory({ seed: 42 }));
  });

  it('sorts the events by occurredAt', () => {
    for (let i = 1; i < history.length; i++) {
      expect(occurredAt(history[i])).toBeGreaterThanOrEqual(occurredAt(history[i - 1]));
    }
  });

  it('starts at the given start time', () => {
    const start = Date.UTC(2030, 5, 1);
    const events = generateDemoHistory({ start, workOrders: 5 });
    expect(occurredAt(events[0])).toBe(start);
    expect(events.every((e) => occurredAt(e) >= start)).toBe(true);
  });

  it('creates the requested numbers of technicians, customers and work orders', () => {
    const events = generateDemoHistory({ workOrders: 25, technicians: 3, customers: 4 });
    const count = (type: string): number => events.filter((e) => e.event.type === type).length;
    expect(count('TechnicianHired')).toBe(3);
    expect(count('CustomerRegistered')).toBe(4);
    expect(count('WorkOrderCreated')).toBe(25);
    expect(count('WorkOrderCompleted')).toBe(25);
    expect(workOrderStreams(events)).toHaveLength(25);
    expect(history.filter((e) => e.event.type === 'WorkOrderCreated')).toHaveLength(300);
  });

  it('opens every work-order stream with WorkOrderCreated and closes it with WorkOrderCompleted', () => {
    const streams = workOrderStreams(history);
    expect(streams).toHaveLength(300);
    for (const events of streams) {
      const types = events.map((e) => e.event.type);
      expect(types[0]).toBe('WorkOrderCreated');
      expect(types[1]).toBe('WorkOrderAssigned');
      expect(types.at(-1)).toBe('WorkOrderCompleted');
      expect(types.filter((t) => t === 'WorkOrderCreated')).toHaveLength(1);
      expect(types.filter((t) => t === 'WorkOrderCompleted')).toHaveLength(1);
      expect(types).toContain('WorkLogged');
      // Every block is lifted before the next one and before completion; while blocked, the
      // technician may only log a short diagnosis.
      let blocked = false;
      events.forEach(({ event }) => {
        if (event.type === 'WorkOrderBlocked') expect(blocked).toBe(false);
        if (event.type === 'WorkOrderUnblocked') expect(blocked).toBe(true);
        if (event.type === 'WorkOrderCompleted') expect(blocked).toBe(false);
        if (event.type === 'WorkLogged' && blocked)
          expect(event.data?.hours).toBeLessThanOrEqual(0.5);
        if (event.type === 'WorkOrderBlocked') blocked = true;
        if (event.type === 'WorkOrderUnblocked') blocked = false;
      });
    }
  });

  it('sets late exactly when completion comes after dueAt, and dueAt follows the SLA', () => {
    let late = 0;
    let onTime = 0;
    for (const events of workOrderStreams(history)) {
      const created = events[0]?.event;
      const completed = events.at(-1)?.event;
      const dueAt = Date.parse(String(created?.data?.dueAt));
      const priority = String(created?.data?.priority);
      expect(SLA_DAYS).toHaveProperty(priority);
      expect(dueAt - occurredAt(events[0])).toBe((SLA_DAYS[priority] ?? NaN) * DAY);
      const isLate = occurredAt(events.at(-1)) > dueAt;
      expect(completed?.data?.late).toBe(isLate);
      if (isLate) late++;
      else onTime++;
    }
    expect(late).toBeGreaterThan(0);
    expect(onTime).toBeGreaterThan(0);
  });

  it('reports the logged hours as the actual hours', () => {
    for (const events of workOrderStreams(history)) {
      const logged = events
        .filter((e) => e.event.type === 'WorkLogged')
        .reduce((sum, e) => sum + Number(e.event.data?.hours), 0);
      const actual = Number(events.at(-1)?.event.data?.actualHours);
      expect(actual).toBeGreaterThan(0);
      expect(Math.abs(actual - logged)).toBeLessThanOrEqual(0.01 * events.length);
    }
  });

  it('holds technicians and customers to their own streams, with certifications and tier changes', () => {
    const events = generateDemoHistory({ workOrders: 2000, seed: 5 });
    const types = new Map<string, Set<string>>();
    for (const e of events) {
      const set = types.get(categoryOf(e.streamId)) ?? new Set();
      set.add(e.event.type);
      types.set(categoryOf(e.streamId), set);
    }
    expect(types.get('technician')).toEqual(new Set(['TechnicianHired', 'TechnicianCertified']));
    expect(types.get('customer')).toEqual(new Set(['CustomerRegistered', 'CustomerTierChanged']));
    for (const e of events.filter((x) => x.event.type === 'TechnicianCertified')) {
      expect(e.event.data?.skillLevel).toBeLessThanOrEqual(5);
    }
  });

  it('produces stream ids and events that the event store accepts', () => {
    for (const [streamId, events] of byStream(history)) {
      expect(validateStreamId(streamId)).toBe(streamId);
      const prepared = prepareEvents(events.map((e) => e.event));
      expect(prepared).toHaveLength(events.length);
      expect(prepared.every((p) => p.metadataJson === '{"actor":"demo-generator"}')).toBe(true);
    }
  });
});

describe('generateDemoEvents', () => {
  it('yields exactly the history, lazily', () => {
    const options = { seed: 3, workOrders: 120 };
    expect([...generateDemoEvents(options)]).toEqual(generateDemoHistory(options));
    // Ten million work orders would not fit in memory: the first event comes at once.
    const huge = generateDemoEvents({ workOrders: 10_000_000 });
    expect(huge.next().value?.event.type).toBe('TechnicianHired');
  });

  it('produces a million events in one pass without holding them', () => {
    let events = 0;
    let last = 0;
    let ordered = true;
    for (const { event } of generateDemoEvents({ workOrders: 170_000, seed: 1 })) {
      events += 1;
      const at = event.occurredAt ?? 0;
      if (at < last) ordered = false;
      last = at;
    }
    expect(events).toBeGreaterThan(1_000_000);
    expect(ordered).toBe(true);
  });

  it('records the history as a log: positions in order, stream versions counting up', () => {
    const log = [...generateDemoLog({ workOrders: 30, seed: 4 })];
    const history = generateDemoHistory({ workOrders: 30, seed: 4 });
    expect(log.map((e) => [e.streamId, e.type, e.data, e.occurredAt])).toEqual(
      history.map((e) => [e.streamId, e.event.type, e.event.data, e.event.occurredAt]),
    );
    expect(log.map((e) => e.eventId)).toEqual(log.map((_, i) => demoEventId(4, i)));
    log.forEach((e, i) => {
      expect(e.globalPosition).toBe(i + 1);
      expect(e.transactionId).toBe(1000 + i);
    });
    const versions = new Map<string, number>();
    for (const e of log) {
      expect(e.streamVersion).toBe((versions.get(e.streamId) ?? 0) + 1);
      versions.set(e.streamId, e.streamVersion);
    }
    const sequential = [
      ...generateDemoLog({ workOrders: 30, seed: 4 }, { eventIds: 'sequential' }),
    ];
    expect(new Set(sequential.map((e) => e.eventId)).size).toBe(log.length);
    expect(sequential[0]?.eventId).toBe('00000000-0000-8000-8000-000000000001');
  });
});

describe('drift', () => {
  const start = Date.UTC(2026, 0, 5, 8);
  const at = start + 60 * DAY;
  const plain = generateDemoHistory({ workOrders: 1500, seed: 8, start });
  const drifted = generateDemoHistory({ workOrders: 1500, seed: 8, start, drift: { at } });
  const lateRate = (events: DemoEvent[], from: number, to: number): number => {
    const created = new Map(
      events
        .filter((e) => e.event.type === 'WorkOrderCreated')
        .map((e) => [e.streamId, occurredAt(e)]),
    );
    const completions = events.filter((e) => {
      const t = created.get(e.streamId) ?? NaN;
      return e.event.type === 'WorkOrderCompleted' && t >= from && t < to;
    });
    return completions.filter((e) => e.event.data?.late === true).length / completions.length;
  };

  it('changes nothing before its time', () => {
    const before = (events: DemoEvent[]): DemoEvent[] => events.filter((e) => occurredAt(e) < at);
    expect(before(drifted)).toEqual(before(plain));
    expect(before(plain).length).toBeGreaterThan(1000);
  });

  it('makes the orders created after it late far more often', () => {
    const end = Number.POSITIVE_INFINITY;
    expect(lateRate(drifted, start, at)).toBe(lateRate(plain, start, at));
    expect(lateRate(drifted, at, end)).toBeGreaterThan(lateRate(plain, at, end) + 0.1);
  });
});
