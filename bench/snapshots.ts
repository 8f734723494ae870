// (g) Loading a work order from a 10k-event stream: a full replay, a snapshot at the head, and a
// snapshot 100 events behind (the 100 replayed after it); each against a plain pg read of the
// least that load needs: the stream's payloads, the snapshot's state (and the tail's payloads).
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { builtInAggregates, builtInUpcasters } from '../runtime/builtIns.js';
import { workOrderAggregate } from '../examples/work-orders/src/workOrderAggregate.js';
import { createEventStore, type EventStore } from '../eventstore/eventStore.js';
import { createClient, createPool } from '../eventstore/pool.js';
import type { NewEvent } from '../eventstore/types.js';
import { canonicalJson } from '../eventstore/upcasting/canonicalJson.js';
import type { BenchEnvironment } from './environment.js';
import { percentile } from './measure.js';
import { figure, type Figure, type Target } from './report.js';

const STREAM_EVENTS = 10_000;
const BEHIND = 100;
const APPEND_BATCH = 1000;
const WARM_UP = 10;
const LOADS = 50;
const MIN_SPEEDUP = 20;
/** As the worker knows it: its snapshot calls take any aggregate. */
const AGGREGATE = builtInAggregates().get(workOrderAggregate.type);
const REASONS = [
  'waiting for parts',
  'customer unavailable',
  'access denied',
  'waiting for approval',
];

/** Event `index` of a long-running work order: created, assigned, then work with some blocks. */
const workOrderEvent = (index: number): NewEvent => {
  const workOrderId = 'WO-BENCH';
  const occurredAt = Date.UTC(2026, 0, 5, 8) + index * 15 * 60_000;
  const metadata = { actor: 'bench' };
  if (index === 0) {
    const data = { workOrderId, customerId: 'C001', priority: 'normal', estimatedHours: 8 };
    return { type: 'WorkOrderCreated', data, occurredAt, metadata };
  }
  if (index === 1) {
    return {
      type: 'WorkOrderAssigned',
      data: { workOrderId, technicianId: 'T01' },
      occurredAt,
      metadata,
    };
  }
  // One block in 20 events, in the demo's first schema: every read upcasts it.
  switch (index % 20) {
    case 7: {
      const reason = REASONS[Math.floor(index / 20) % REASONS.length];
      return {
        type: 'WorkOrderBlocked',
        schemaVersion: 1,
        data: { workOrderId, reason },
        occurredAt,
        metadata,
      };
    }
    case 8:
      return { type: 'WorkOrderUnblocked', data: { workOrderId }, occurredAt, metadata };
    default: {
      const hours = 0.25 * (1 + (index % 8));
      return {
        type: 'WorkLogged',
        data: { workOrderId, technicianId: 'T01', hours },
        occurredAt,
        metadata,
      };
    }
  }
};

const appendEvents = async (
  store: EventStore,
  streamId: string,
  from: number,
  to: number,
): Promise<void> => {
  for (let start = from; start < to; start += APPEND_BATCH) {
    const events = Array.from({ length: Math.min(APPEND_BATCH, to - start) }, (_, i) =>
      workOrderEvent(start + i),
    );
    await store.append(streamId, events);
  }
};

interface LoadCase {
  name: string;
  /** What the baseline reads, for the figure's name. */
  floorName: string;
  /** Events the load must replay after its snapshot (all of them without one). */
  replays: number;
  load: () => Promise<{ state: unknown; eventsReplayed: number }>;
  floor: () => Promise<unknown>;
}

interface Timings {
  ours: number[];
  floor: number[];
}

const timeOnce = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

const loadCases = (store: EventStore, client: pg.Client, head: string, behind: string) => {
  const { type, stateSchemaVersion, codeHash } = AGGREGATE;
  const readSnapshot = (streamId: string) =>
    client.query<{ stream_version: string; state: unknown }>(
      `select stream_version, state from hindsight.snapshots
        where aggregate_type = $1 and stream_id = $2 and state_schema_version = $3
          and code_hash = $4`,
      [type, streamId, stateSchemaVersion, codeHash],
    );
  const readEvents = (streamId: string, after: number) =>
    client.query(
      `select data from hindsight.events
        where stream_id = $1 and stream_version > $2 order by stream_version`,
      [streamId, after],
    );
  const cases: LoadCase[] = [
    {
      name: 'full replay',
      floorName: 'pg select of its events',
      replays: STREAM_EVENTS,
      load: () => store.loadAggregate(AGGREGATE, head, { useSnapshot: false }),
      floor: () => readEvents(head, 0),
    },
    {
      name: 'snapshot at head',
      floorName: 'pg select of the snapshot',
      replays: 0,
      load: () => store.loadAggregate(AGGREGATE, head),
      floor: () => readSnapshot(head),
    },
    {
      name: `snapshot ${BEHIND} behind`,
      floorName: `pg select of the snapshot, then of the ${BEHIND} events`,
      replays: BEHIND,
      load: () => store.loadAggregate(AGGREGATE, behind),
      floor: async () => {
        const { rows } = await readSnapshot(behind);
        return readEvents(behind, Number(rows[0]?.stream_version));
      },
    },
  ];
  return cases;
};

/** Checks each load takes the path it is meant to, and all three reach the same state. */
const checkCases = async (cases: readonly LoadCase[]): Promise<void> => {
  const states = new Set<string>();
  for (const c of cases) {
    const { state, eventsReplayed } = await c.load();
    if (eventsReplayed !== c.replays) {
      throw new Error(`${c.name}: replayed ${eventsReplayed} events, not ${c.replays}`);
    }
    // Key order aside: a snapshot comes back from jsonb, which orders keys its own way.
    states.add(canonicalJson(state));
  }
  if (states.size !== 1) throw new Error('the loads reached different states');
};

/**
 * Each case in a block of its own (a full replay's garbage is collected during full replays),
 * ours then its floor in each round: drift hits both alike.
 */
const timeCase = async (c: LoadCase): Promise<Timings> => {
  const timings: Timings = { ours: [], floor: [] };
  for (let round = 0; round < WARM_UP + LOADS; round++) {
    const ours = await timeOnce(c.load);
    const floor = await timeOnce(c.floor);
    if (round < WARM_UP) continue;
    timings.ours.push(ours);
    timings.floor.push(floor);
  }
  return timings;
};

const summary = (ms: readonly number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p95: percentile(sorted, 95) };
};

const fasterThanFullReplay =
  (fullMedian: number) =>
  ({ value }: { value: number }): Target => ({
    text: `full replay / this >= ${MIN_SPEEDUP}`,
    met: fullMedian / value >= MIN_SPEEDUP,
  });

export const loadAggregates = async (env: BenchEnvironment): Promise<Figure[]> => {
  console.log(
    `(g) load a work order of ${STREAM_EVENTS / 1000}k events (${WARM_UP} warm-up loads, then ` +
      `${LOADS}): full replay, snapshot at head, snapshot ${BEHIND} behind; each beside a plain ` +
      'pg read of what it needs at the least, alternately',
  );
  const client = env.pg[0];
  if (!client) throw new Error('no pg connection');
  const pool = createPool({ connectionString: env.databaseUrl, max: 2, applicationName: 'bench' });
  const store = createEventStore({
    pool,
    listenClient: () => createClient(env.databaseUrl, 'bench-listen'),
    upcasters: builtInUpcasters(),
  });
  try {
    const head = `workorder-BENCH${process.pid}-HEAD`;
    const behind = `workorder-BENCH${process.pid}-BEHIND`;
    await appendEvents(store, head, 0, STREAM_EVENTS);
    await store.snapshots.take(AGGREGATE, head);
    await appendEvents(store, behind, 0, STREAM_EVENTS - BEHIND);
    await store.snapshots.take(AGGREGATE, behind);
    await appendEvents(store, behind, STREAM_EVENTS - BEHIND, STREAM_EVENTS);
    await client.query('vacuum (analyze) hindsight.events, hindsight.snapshots');

    const cases = loadCases(store, client, head, behind);
    await checkCases(cases);
    const timings: Timings[] = [];
    for (const c of cases) timings.push(await timeCase(c));
    const fullMedian = summary(timings[0]?.ours ?? []).median;
    return cases.flatMap((c, i) => {
      const ours = summary(timings[i]?.ours ?? []);
      const floor = summary(timings[i]?.floor ?? []);
      const speedup =
        i > 0 ? ` (${(fullMedian / ours.median).toFixed(1)}x faster than a full replay)` : '';
      console.log(
        `  ${c.name}: median ${ours.median.toFixed(2)} ms, p95 ${ours.p95.toFixed(2)} ms${speedup}; ` +
          `${c.floorName}: median ${floor.median.toFixed(2)} ms, p95 ${floor.p95.toFixed(2)} ms`,
      );
      const name = `(g) load 10k-event stream, ${c.name}`;
      const baseline = `(baseline: ${c.floorName})`;
      const target = c.replays < STREAM_EVENTS ? fasterThanFullReplay(fullMedian) : undefined;
      return [
        figure(`${name}, median ${baseline}`, 'ms', ours.median, floor.median, target),
        figure(`${name}, p95 ${baseline}`, 'ms', ours.p95, floor.p95),
      ];
    });
  } finally {
    await store.close();
    await pool.end();
  }
};
