// (l) What idle subscribers cost: 300 gRPC Subscribe calls on a category nothing is appended
// to (idlebench), held open for 20 s, as CPU of the server process and of PostgreSQL's backends of the bench
// database, in % of one core. Baseline: the same 300 streams as Health/Watch calls, which the
// server answers once from memory and then holds open doing nothing.
import type { ClientReadableStream } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { SubscribeRequest, type SubscribeResponse } from '../gen/hindsight/v1/eventstore.js';
import type { BenchEnvironment } from './environment.js';
import { childProcessId, databaseBackendCpu, processCpuSeconds } from './processCpu.js';
import { figure, valueAtMost, type Figure } from './report.js';

const STREAMS = 300;
const SETTLE_MS = 3000;
const MEASURED_MS = 20_000;
const HEALTH_WATCH = '/grpc.health.v1.Health/Watch';
const raw = (bytes: Buffer): Buffer => bytes;

interface IdleCost {
  /** % of one core */
  server: number;
  postgres: number;
}

type Stream = ClientReadableStream<unknown>;

/** Opens `STREAMS` streams over the environment's connections; resolves once each answered. */
const openStreams = async (
  env: BenchEnvironment,
  open: (index: number) => { stream: Stream; ready: (message: unknown) => boolean },
): Promise<Stream[]> => {
  const streams: Stream[] = [];
  await Promise.all(
    Array.from(
      { length: STREAMS },
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          const { stream, ready } = open(i);
          streams.push(stream);
          stream.on('data', (message: unknown) => {
            if (ready(message)) resolve();
          });
          stream.on('error', (error: Error & { code?: number }) => {
            if (error.code !== 1) reject(error); // 1: CANCELLED, by us at the end
          });
        }),
    ),
  );
  return streams;
};

/** CPU of the server and of the database's backends while `streams` stay open and idle. */
const idleCost = async (env: BenchEnvironment, serverPid: number): Promise<IdleCost> => {
  const [client] = env.pg;
  if (!client) throw new Error('no pg connection');
  await sleep(SETTLE_MS);
  const backends = databaseBackendCpu(client);
  await backends.sample();
  const serverBefore = processCpuSeconds(serverPid) ?? Number.NaN;
  const started = performance.now();
  while (performance.now() - started < MEASURED_MS) {
    await sleep(1000);
    await backends.sample();
  }
  const seconds = (performance.now() - started) / 1000;
  const server = (processCpuSeconds(serverPid) ?? Number.NaN) - serverBefore;
  return { server: (100 * server) / seconds, postgres: (100 * backends.seconds()) / seconds };
};

const withStreams = async (
  env: BenchEnvironment,
  serverPid: number,
  open: Parameters<typeof openStreams>[1],
): Promise<IdleCost> => {
  const streams = await openStreams(env, open);
  try {
    return await idleCost(env, serverPid);
  } finally {
    for (const stream of streams) stream.cancel();
  }
};

const clientOf = (env: BenchEnvironment, index: number) => {
  const bench = env.grpc[index % env.grpc.length];
  if (!bench) throw new Error('no clients');
  return bench.client;
};

const describe = (cost: IdleCost): string =>
  `server ${cost.server.toFixed(2)}%, PostgreSQL ${cost.postgres.toFixed(2)}% of a core`;

export const idleSubscribers = async (env: BenchEnvironment): Promise<Figure[]> => {
  const serverPid = childProcessId('hindsight.js');
  if (serverPid === undefined) throw new Error('the server process was not found');
  console.log(
    `(l) ${STREAMS} idle streams over ${env.grpc.length} connections for ${MEASURED_MS / 1000}s ` +
      `(after ${SETTLE_MS / 1000}s to settle): Subscribe on a category nothing is appended to, ` +
      `beside Health/Watch`,
  );
  const watching = await withStreams(env, serverPid, (i) => ({
    // An empty HealthCheckRequest (the server as a whole) is zero bytes.
    stream: clientOf(env, i).makeServerStreamRequest(HEALTH_WATCH, raw, raw, Buffer.alloc(0)),
    ready: () => true,
  }));
  console.log(`  ${STREAMS} Health/Watch streams: ${describe(watching)}`);
  const subscribed = await withStreams(env, serverPid, (i) => ({
    stream: clientOf(env, i).subscribe(
      SubscribeRequest.fromPartial({
        start: { $case: 'fromEnd', fromEnd: true },
        categories: ['idlebench'],
      }),
    ),
    ready: (message) => (message as SubscribeResponse).message?.$case === 'caughtUp',
  }));
  console.log(`  ${STREAMS} Subscribe streams: ${describe(subscribed)}`);
  return [
    figure(
      `(l) ${STREAMS} idle Subscribe streams: server CPU (baseline: as many Health/Watch streams)`,
      '% core',
      subscribed.server,
      watching.server,
      valueAtMost(2, '% core'),
    ),
    figure(
      `(l) ${STREAMS} idle Subscribe streams: PostgreSQL CPU (baseline: as many Health/Watch streams)`,
      '% core',
      subscribed.postgres,
      watching.postgres,
      valueAtMost(2, '% core'),
    ),
  ];
};
