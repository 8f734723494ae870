// (b) Single-event appends from 16 concurrent gRPC clients, against single-row autocommit
// INSERTs from 16 pg connections.
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
import { concurrently, measure, printMeasured, rate } from './measure.js';
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

const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const raw = (bytes: Buffer): Buffer => bytes;

/**
 * The same server's health check (answered from memory, no database, no auth) from every
 * client, as many calls as the appends: what grpc-js alone costs a unary call on this machine,
 * client and server. An append cannot go faster than this plus its PostgreSQL transaction.
 */
const healthChecks = (env: BenchEnvironment, perClient: number) =>
  concurrently(env.grpc.length, async (c) => {
    const client = env.grpc[c]?.client;
    if (!client) throw new Error(`no client ${c}`);
    for (let i = 0; i < perClient; i += 1) {
      await new Promise<void>((resolve, reject) =>
        // An empty HealthCheckRequest (all services) is zero bytes.
        client.makeUnaryRequest(HEALTH_CHECK, raw, raw, Buffer.alloc(0), (error) =>
          error ? reject(error) : resolve(),
        ),
      );
    }
  });

export const appendSingles = async (env: BenchEnvironment): Promise<Figure[]> => {
  const clients = env.grpc.length;
  console.log(
    `(b) append 1 event/call: ${clients} clients x ${APPENDS_PER_CLIENT} appends, ` +
      `gRPC and baseline alternately in ${ROUNDS} rounds`,
  );
  const { grpc, baseline } = await compareAppends(env, {
    plan: (n, perClient, prefix) => plan(n, perClient, `${prefix}single`),
    toRequest,
    insert: insertOne,
    perClient: APPENDS_PER_CLIENT,
    warmUpPerClient: WARM_UP_PER_CLIENT,
    rounds: ROUNDS,
    unitsPerItem: 1,
    grpcUnit: 'appends',
    baselineUnit: 'inserts',
  });
  await healthChecks(env, WARM_UP_PER_CLIENT);
  const health = await measure(env.cpu, () => healthChecks(env, APPENDS_PER_CLIENT));
  const calls = clients * APPENDS_PER_CLIENT;
  printMeasured('gRPC health checks (no database)', rate(calls, health.seconds, 'calls'), health);
  return [
    figure(
      `(b) append 1 event/call, ${clients} clients`,
      'appends/s',
      grpc,
      baseline,
      ratioAtLeast(0.7),
    ),
    figure(
      `(b) gRPC alone: Health/Check, ${clients} clients (baseline: the same pg single-row inserts)`,
      'calls/s',
      calls / health.seconds,
      baseline,
    ),
  ];
};
