// (b) Single-event appends from 16 concurrent gRPC clients, against single-row autocommit
// INSERTs from 16 pg connections.
import type pg from 'pg';
import type { AppendRequest } from '../gen/hindsight/v1/eventstore.js';
import type { BenchEnvironment } from './environment.js';
import { alternate, concurrently, inRounds, printMeasured, rate } from './measure.js';
import {
  EVENT_TYPE,
  benchEvent,
  categoryOf,
  toNewEventMessage,
  type BenchEvent,
} from './payload.js';
import { figure, ratioAtLeast, type Figure } from './report.js';

const APPENDS_PER_CLIENT = 300;
const WARM_UP_PER_CLIENT = 20;
const ROUNDS = 2;

interface Single {
  streamId: string;
  version: number;
  event: BenchEvent;
}

/** Per client, its appends, all to the client's own stream. */
const plan = (clients: number, perClient: number, prefix: string): Single[][] =>
  Array.from({ length: clients }, (_, c) =>
    Array.from({ length: perClient }, (_, i) => ({
      streamId: `${prefix}-c${c}`,
      version: i + 1,
      event: benchEvent(),
    })),
  );

const toRequest = ({ streamId, event }: Single): AppendRequest => ({
  streamId,
  events: [toNewEventMessage(event)],
  expected: undefined, // any
});

const INSERT_ONE = /* sql */ `
  insert into bench_baseline
    (stream_id, stream_version, event_id, event_type, schema_version, category, data, metadata,
     occurred_at)
  values ($1, $2, $3, $4, 1, $5, $6, $7, now())`;

export const insertOne = (client: pg.Client, { streamId, version, event }: Single) =>
  client.query(INSERT_ONE, [
    streamId,
    version,
    event.id,
    EVENT_TYPE,
    categoryOf(streamId),
    event.dataJson,
    event.metadataJson,
  ]);

const viaGrpc = (env: BenchEnvironment, requests: AppendRequest[][]) =>
  concurrently(requests.length, async (c) => {
    const calls = env.grpc[c]?.calls;
    if (!calls) throw new Error(`no client ${c}`);
    for (const request of requests[c] ?? []) await calls.append(request);
  });

const viaPg = (env: BenchEnvironment, work: Single[][]) =>
  concurrently(work.length, async (c) => {
    const client = env.pg[c];
    if (!client) throw new Error(`no pg connection ${c}`);
    for (const single of work[c] ?? []) await insertOne(client, single);
  });

export const appendSingles = async (env: BenchEnvironment): Promise<Figure> => {
  const clients = env.grpc.length;
  const total = clients * APPENDS_PER_CLIENT;
  console.log(
    `(b) append 1 event/call: ${clients} clients x ${APPENDS_PER_CLIENT} appends, ` +
      `gRPC and baseline alternately in ${ROUNDS} rounds`,
  );
  const requests = (work: Single[][]) => work.map((c) => c.map(toRequest));
  await viaGrpc(env, requests(plan(clients, WARM_UP_PER_CLIENT, 'warmsingle')));
  await viaPg(env, plan(clients, WARM_UP_PER_CLIENT, 'basewarmsingle'));

  const grpcRounds = inRounds(requests(plan(clients, APPENDS_PER_CLIENT, 'single')), ROUNDS);
  const pgRounds = inRounds(plan(clients, APPENDS_PER_CLIENT, 'basesingle'), ROUNDS);
  const { grpc, baseline } = await alternate(
    env.cpu,
    ROUNDS,
    (r) => viaGrpc(env, grpcRounds[r] ?? []),
    (r) => viaPg(env, pgRounds[r] ?? []),
  );
  printMeasured('gRPC', rate(total, grpc.seconds, 'appends'), grpc);
  printMeasured('pg baseline', rate(total, baseline.seconds, 'inserts'), baseline);

  return figure(
    `(b) append 1 event/call, ${clients} clients`,
    'appends/s',
    total / grpc.seconds,
    total / baseline.seconds,
    ratioAtLeast(0.7),
  );
};
