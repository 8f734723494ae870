// (a) Appends of 100 events per call from 16 concurrent gRPC clients, each to its own streams,
// against a plain multi-row INSERT of the same batches on 16 pg connections.
import type pg from 'pg';
import type { AppendRequest } from '../gen/hindsight/v1/eventstore.js';
import type { BenchEnvironment } from './environment.js';
import { compareAppends } from './compareAppends.js';
import {
  EVENT_TYPE,
  benchEvent,
  categoryOf,
  toNewEventMessage,
  type BenchEvent,
} from './payload.js';
import { figure, ratioAtLeast, type Figure } from './report.js';

const EVENTS_PER_BATCH = 100;
const BATCHES_PER_CLIENT = 20;
const WARM_UP_BATCHES_PER_CLIENT = 2;
const STREAMS_PER_CLIENT = 4;
const ROUNDS = 2;

interface Batch {
  streamId: string;
  /** The stream's version before this batch (for the baseline, which has no streams table). */
  version: number;
  events: BenchEvent[];
}

/** Per client, its batches: round-robin over its own streams. */
const plan = (clients: number, batchesPerClient: number, prefix: string): Batch[][] =>
  Array.from({ length: clients }, (_, c) => {
    const versions = new Map<string, number>();
    return Array.from({ length: batchesPerClient }, (_, b) => {
      const streamId = `${prefix}-c${c}s${b % STREAMS_PER_CLIENT}`;
      const version = versions.get(streamId) ?? 0;
      versions.set(streamId, version + EVENTS_PER_BATCH);
      const correlationId = `${streamId}@${version}`;
      const events = Array.from({ length: EVENTS_PER_BATCH }, () => benchEvent(correlationId));
      return { streamId, version, events };
    });
  });

const toRequest = (batch: Batch): AppendRequest => ({
  streamId: batch.streamId,
  events: batch.events.map(toNewEventMessage),
  expected: undefined, // any
});

const INSERT_BATCH = /* sql */ `
  insert into bench_baseline
    (stream_id, stream_version, event_id, event_type, schema_version, category, data, metadata,
     occurred_at)
  select $1, $2::int8 + u.ord, u.id, $3, 1, $4, u.data, u.metadata, now()
    from unnest($5::uuid[], $6::jsonb[], $7::jsonb[]) with ordinality as u(id, data, metadata, ord)`;

const insertBatch = (client: pg.Client, batch: Batch) =>
  client.query(INSERT_BATCH, [
    batch.streamId,
    batch.version,
    EVENT_TYPE,
    categoryOf(batch.streamId),
    batch.events.map((e) => e.id),
    batch.events.map((e) => e.dataJson),
    batch.events.map((e) => e.metadataJson),
  ]);

export const appendBatches = async (env: BenchEnvironment): Promise<Figure> => {
  const clients = env.grpc.length;
  console.log(
    `(a) append ${EVENTS_PER_BATCH} events/call: ${clients} clients x ${BATCHES_PER_CLIENT} ` +
      `batches, gRPC and baseline alternately in ${ROUNDS} rounds`,
  );
  const { grpc, baseline } = await compareAppends(env, {
    plan: (n, perClient, prefix) => plan(n, perClient, `${prefix}batch`),
    toRequest,
    insert: insertBatch,
    perClient: BATCHES_PER_CLIENT,
    warmUpPerClient: WARM_UP_BATCHES_PER_CLIENT,
    rounds: ROUNDS,
    unitsPerItem: EVENTS_PER_BATCH,
    grpcUnit: 'events',
    baselineUnit: 'events',
  });
  return figure(
    `(a) append 100 events/call, ${clients} clients`,
    'events/s',
    grpc,
    baseline,
    ratioAtLeast(0.7),
  );
};
