// (c) ReadAll over gRPC of the whole log, one server-streaming call, against a plain pg keyset
// read of the same rows (1000 per query, parsed by pg as usual).
import type pg from 'pg';
import type { EventStoreClient, ReadAllResponse } from '../gen/hindsight/v1/eventstore.js';
import type { BenchEnvironment } from './environment.js';
import { alternate, printMeasured, rate } from './measure.js';
import { figure, ratioAtLeast, type Figure } from './report.js';

const REPETITIONS = 3;
const WARM_UP_EVENTS = 5000;

/** One ReadAll call from the start of the log; resolves with the number of events received. */
const readAllGrpc = (client: EventStoreClient, limit = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    let count = 0;
    const call = client.readAll({
      after: undefined,
      eventTypes: [],
      categories: [],
      skipUpcastFailures: false,
      limit,
      untilTransactionId: 0,
    });
    call.on('data', (response: ReadAllResponse) => {
      count += response.events.length;
    });
    call.on('error', reject);
    call.on('end', () => resolve(count));
  });

const readAllPg = async (client: pg.Client, limit = Number.POSITIVE_INFINITY): Promise<number> => {
  let count = 0;
  let last = '0';
  while (count < limit) {
    const { rows } = await client.query<{ global_position: string }>(
      'select * from hindsight.events where global_position > $1 order by global_position limit 1000',
      [last],
    );
    const tail = rows.at(-1);
    if (!tail) break;
    count += rows.length;
    last = tail.global_position;
  }
  return count;
};

const sum = (counts: number[]): number => counts.reduce((a, b) => a + b, 0);

export const readWholeLog = async (env: BenchEnvironment): Promise<Figure> => {
  const client = env.grpc[0]?.client;
  const connection = env.pg[0];
  if (!client || !connection) throw new Error('no clients');
  const { rows } = await connection.query<{ count: string }>(
    'select count(*) from hindsight.events',
  );
  console.log(
    `(c) ReadAll of the whole log (${rows[0]?.count} events), ${REPETITIONS} times, ` +
      'gRPC and baseline alternately',
  );
  await readAllGrpc(client, WARM_UP_EVENTS);
  await readAllPg(connection, WARM_UP_EVENTS);
  const { grpc, baseline } = await alternate(
    env.cpu,
    REPETITIONS,
    () => readAllGrpc(client),
    () => readAllPg(connection),
  );
  printMeasured('gRPC', rate(sum(grpc.result), grpc.seconds, 'events'), grpc);
  printMeasured('pg baseline', rate(sum(baseline.result), baseline.seconds, 'events'), baseline);

  return figure(
    '(c) ReadAll whole log, one call',
    'events/s',
    sum(grpc.result) / grpc.seconds,
    sum(baseline.result) / baseline.seconds,
    ratioAtLeast(0.7),
  );
};
