// (d) Latency from an append's acknowledgement to its delivery to a live subscriber, at 1000
// events per second (100 appends/s of 10 events, from a few clients: a load this machine
// sustains, so the figure is latency, not queueing); against a plain INSERT of the same rows +
// pg_notify and a LISTEN connection.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { AppendRequest, SubscribeResponse } from '../gen/hindsight/v1/eventstore.js';
import type { BenchClient } from './clients.js';
import type { BenchEnvironment } from './environment.js';
import { measure, paced, percentile, printMeasured, waitFor } from './measure.js';
import { benchEvent, insertPlannedAppend, toAppendRequest, type PlannedAppend } from './payload.js';
import { figure, valueAtMost, type Figure } from './report.js';

const EVENTS_PER_APPEND = 10;
const APPENDS_PER_SECOND = 100;
const WARM_UP = 50;
const MEASURED = 500;
const WRITERS = 4;
const STREAMS = 64;
const DRAIN_TIMEOUT_MS = 5000;

const plan = (prefix: string): PlannedAppend[] =>
  Array.from({ length: WARM_UP + MEASURED }, (_, i) => ({
    streamId: `${prefix}-s${i % STREAMS}`,
    version: Math.floor(i / STREAMS) * EVENTS_PER_APPEND,
    events: Array.from({ length: EVENTS_PER_APPEND }, () => benchEvent()),
  }));

interface Latencies {
  p50: number;
  p99: number;
  max: number;
  /** Delivered before this process saw the acknowledgement (counted as 0 ms). */
  early: number;
  missing: number;
}

/** ack → delivery per measured event (the warm-up ones are left out). */
const latencies = (
  work: PlannedAppend[],
  acks: Map<string, number>,
  deliveries: Map<string, number>,
): Latencies => {
  const values: number[] = [];
  let early = 0;
  let missing = 0;
  for (const event of work.slice(WARM_UP).flatMap((planned) => planned.events)) {
    const ack = acks.get(event.id);
    const delivered = deliveries.get(event.id);
    if (ack === undefined || delivered === undefined) {
      missing += 1;
      continue;
    }
    if (delivered < ack) early += 1;
    values.push(Math.max(0, delivered - ack));
  }
  values.sort((a, b) => a - b);
  return {
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.at(-1) ?? Number.NaN,
    early,
    missing,
  };
};

const describe = (l: Latencies) =>
  `p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(1)} ms ` +
  `(${l.early} delivered before the ack, ${l.missing} missing) over ${MEASURED * EVENTS_PER_APPEND} events`;

const viaGrpc = async (writers: BenchClient[], subscriber: BenchClient): Promise<Latencies> => {
  const work = plan('latency');
  const requests: AppendRequest[] = work.map(toAppendRequest);
  const acks = new Map<string, number>();
  const deliveries = new Map<string, number>();

  const call = subscriber.client.subscribe({
    start: { $case: 'fromEnd', fromEnd: true },
    eventTypes: [],
    categories: [],
    skipUpcastFailures: false,
  });
  let cancelled = false;
  const caughtUp = new Promise<void>((resolve, reject) => {
    call.on('data', (response: SubscribeResponse) => {
      const now = performance.now();
      const message = response.message;
      if (message?.$case === 'caughtUp') resolve();
      else if (message?.$case === 'events') {
        for (const event of message.events.events) deliveries.set(event.eventId, now);
      }
    });
    call.on('error', (error) => {
      if (cancelled) return;
      console.error(`  the subscription failed: ${error.message}`);
      reject(error);
    });
  });
  try {
    await caughtUp;
    const pending: Promise<void>[] = [];
    await paced(work.length, APPENDS_PER_SECOND, (i) => {
      const calls = writers[i % writers.length]?.calls;
      const request = requests[i];
      const events = work[i]?.events;
      if (!calls || !request || !events) return;
      pending.push(
        calls.append(request).then(() => {
          const now = performance.now();
          for (const event of events) acks.set(event.id, now);
        }),
      );
    });
    await Promise.all(pending);
    await waitFor(() => deliveries.size >= work.length * EVENTS_PER_APPEND, DRAIN_TIMEOUT_MS);
  } finally {
    cancelled = true;
    call.cancel();
  }
  return latencies(work, acks, deliveries);
};

const viaPg = async (writers: pg.Client[], databaseUrl: string): Promise<Latencies> => {
  const work = plan('baselatency');
  const acks = new Map<string, number>();
  const deliveries = new Map<string, number>();
  const listener = new pg.Client({ connectionString: databaseUrl, application_name: 'bench' });
  listener.on('notification', (message) => {
    const now = performance.now();
    for (const id of message.payload?.split(',') ?? []) deliveries.set(id, now);
  });
  await listener.connect();
  try {
    await listener.query('listen bench');
    // A pg connection runs one query at a time: each writer's inserts wait in its own queue
    // (that wait is before the ack, so it is not part of the latency measured).
    const queues: Promise<void>[] = writers.map(() => Promise.resolve());
    await paced(work.length, APPENDS_PER_SECOND, (i) => {
      const w = i % writers.length;
      const client = writers[w];
      const planned = work[i];
      if (!client || !planned) return;
      const { events } = planned;
      queues[w] = (queues[w] ?? Promise.resolve()).then(() =>
        insertPlannedAppend(client, planned, 'bench').then(() => {
          const now = performance.now();
          for (const event of events) acks.set(event.id, now);
        }),
      );
    });
    await Promise.all(queues);
    await waitFor(() => deliveries.size >= work.length * EVENTS_PER_APPEND, DRAIN_TIMEOUT_MS);
  } finally {
    await listener.end();
  }
  return latencies(work, acks, deliveries);
};

export const subscriberLatency = async (env: BenchEnvironment): Promise<Figure[]> => {
  const writers = env.grpc.slice(0, WRITERS);
  const subscriber = env.grpc.at(-1);
  if (!subscriber) throw new Error('no clients');
  console.log(
    `(d) ack-to-delivery latency at ${APPENDS_PER_SECOND * EVENTS_PER_APPEND} events/s ` +
      `(${APPENDS_PER_SECOND} appends/s of ${EVENTS_PER_APPEND} events) from ${WRITERS} clients for ` +
      `${(WARM_UP + MEASURED) / APPENDS_PER_SECOND}s (first ${WARM_UP} appends are warm-up)`,
  );
  const grpc = await measure(env.cpu, () => viaGrpc(writers, subscriber));
  printMeasured('gRPC subscribe', describe(grpc.result), grpc);
  const baseline = await measure(env.cpu, () => viaPg(env.pg.slice(0, WRITERS), env.databaseUrl));
  printMeasured('pg LISTEN/NOTIFY baseline', describe(baseline.result), baseline);
  return [
    figure('(d) append→subscriber p50, 1000 events/s', 'ms', grpc.result.p50, baseline.result.p50),
    figure(
      '(d) append→subscriber p99, 1000 events/s',
      'ms',
      grpc.result.p99,
      baseline.result.p99,
      valueAtMost(50, 'ms'),
    ),
  ];
};
