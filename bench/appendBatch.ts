// (a) Appends of 100 events per call from 16 concurrent gRPC clients, each to its own streams,
// against a plain multi-row INSERT of the same batches on 16 pg connections.
import type { BenchEnvironment } from './environment.js';
import { compareAppends } from './compareAppends.js';
import { benchEvent, insertPlannedAppend, toAppendRequest, type PlannedAppend } from './payload.js';
import { figure, ratioAtLeast, type Figure } from './report.js';

const EVENTS_PER_BATCH = 100;
// 64,000 events a side per round: long enough (~1.5 s) that an autovacuum or checkpoint in one
// round does not decide the figure (320 batches of 100 swung it between 0.58 and 0.74).
const BATCHES_PER_CLIENT = 40;
const WARM_UP_BATCHES_PER_CLIENT = 2;
const STREAMS_PER_CLIENT = 4;
const ROUNDS = 2;

/** Per client, its batches: round-robin over its own streams. */
const plan = (clients: number, batchesPerClient: number, prefix: string): PlannedAppend[][] =>
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

export const appendBatches = async (env: BenchEnvironment): Promise<Figure> => {
  const clients = env.grpc.length;
  console.log(
    `(a) append ${EVENTS_PER_BATCH} events/call: ${clients} clients x ${BATCHES_PER_CLIENT} ` +
      `batches, gRPC and baseline alternately in ${ROUNDS} rounds`,
  );
  const { grpc, baseline } = await compareAppends(env, {
    plan: (n, perClient, prefix) => plan(n, perClient, `${prefix}batch`),
    toRequest: toAppendRequest,
    insert: (client, planned) => insertPlannedAppend(client, planned),
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
