// (j) Online prediction and live evaluation. Models.Predict over gRPC from 16 clients on 16
// channels to the platform server (a process of its own), closed loop, against the same clients
// calling EventStore.Append with one event shaped like a PredictionMade (a copy of one's data) to
// a new stream: the write every prediction ends with, one round trip to PostgreSQL; alternately,
// after a warm-up of each. Then LiveEvaluationWorkflow on a worker: see liveEvaluationLag.ts.
import { randomUUID } from 'node:crypto';
import { PREDICTION_MADE } from '../ml/monitoring/predictionJoin.js';
import type { BenchEnvironment } from './environment.js';
import { measureLiveEvaluation } from './liveEvaluationLag.js';
import { alternate, percentile, printMeasured, type Measured } from './measure.js';
import {
  appendLikePrediction,
  callFor,
  callsPerSecond,
  describeCalls,
  mergeCalls,
  type CallStats,
} from './predictClients.js';
import { MODEL_NAME, setUpPredictWorld, VIEW, type PredictWorld } from './predictWorld.js';
import { figure, valueAtMost, type Figure } from './report.js';

const WARM_UP_MS = 2_000;
const ROUND_MS = 5_000;
const ROUNDS = 2;
const SINGLE_CLIENT_MS = 2_000;
const P99_TARGET_MS = 25;

/** A recorded prediction's data, as the baseline's payload. */
const predictionData = async (world: PredictWorld): Promise<Buffer> => {
  const { rows } = await world.pg.query<{ data: string }>(
    `select data::text as data from hindsight.events where event_type = $1
      order by global_position desc limit 1`,
    [PREDICTION_MADE],
  );
  const data = rows[0]?.data;
  if (!data) throw new Error('no prediction recorded');
  return Buffer.from(data);
};

/** Per call, in ms of CPU: where a side's time went. */
const cpuPerCall = ({ cpu, result }: Measured<CallStats[]>): string => {
  const calls = result.reduce((sum, r) => sum + r.calls, 0);
  const per = (s: number | undefined): string =>
    s === undefined ? 'n/a' : `${((1000 * s) / calls).toFixed(2)}`;
  return `cpu per call (ms): server ${per(cpu.server)}, postgres ${per(cpu.postgres)}, bench ${per(cpu.bench)}`;
};

const measurePredict = async (world: PredictWorld): Promise<Figure[]> => {
  const { clients, entities } = world;
  const data = await predictionData(world);
  const predict = (c: number, i: number): Promise<unknown> =>
    clients[c]?.predict(MODEL_NAME, entities[(c * 7 + i) % entities.length] ?? '') ??
    Promise.reject(new Error(`no client ${c}`));
  const append = (c: number): Promise<unknown> =>
    clients[c]?.eventStore.calls.append(appendLikePrediction(data, `predcopy-${randomUUID()}`)) ??
    Promise.reject(new Error(`no client ${c}`));

  console.log(
    `  Predict: ${entities.length} work orders, ${data.length}-byte PredictionMade data; ` +
      `first one client alone, unloaded (${SINGLE_CLIENT_MS / 1000}s each):`,
  );
  console.log(
    `    Predict, 1 client: ${describeCalls(await callFor(1, SINGLE_CLIENT_MS, predict))}`,
  );
  console.log(
    `    Append, 1 client:  ${describeCalls(await callFor(1, SINGLE_CLIENT_MS, append))}`,
  );
  await world.pg.query(
    'create table if not exists bench_commit (id uuid primary key, data jsonb not null)',
  );
  const cut = await callFor(1, SINGLE_CLIENT_MS, () =>
    world.pg.query('select pg_snapshot_xmin(pg_current_snapshot())'),
  );
  const commit = await callFor(1, SINGLE_CLIENT_MS, () =>
    world.pg.query('insert into bench_commit values ($1, $2)', [randomUUID(), data.toString()]),
  );
  console.log(
    `    plain pg, 1 connection: the horizon query ${describeCalls(cut)}; an autocommit ` +
      `insert of the same data ${describeCalls(commit)} (the commit's WAL flush)`,
  );
  const n = clients.length;
  console.log(
    `    warm-up, ${n} clients: Predict ${describeCalls(await callFor(n, WARM_UP_MS, predict))}`,
  );
  console.log(
    `    warm-up, ${n} clients: Append ${describeCalls(await callFor(n, WARM_UP_MS, append))}`,
  );
  const sides = await alternate(
    world.cpu,
    ROUNDS,
    () => callFor(n, ROUND_MS, predict),
    () => callFor(n, ROUND_MS, append),
  );
  const grpc = mergeCalls(sides.grpc.result);
  const baseline = mergeCalls(sides.baseline.result);
  printMeasured(`Predict, ${n} clients`, describeCalls(grpc), sides.grpc);
  console.log(`    ${cpuPerCall(sides.grpc)}`);
  printMeasured(`Append baseline, ${n} clients`, describeCalls(baseline), sides.baseline);
  console.log(`    ${cpuPerCall(sides.baseline)}`);
  const label = `${n} clients (baseline: Append of 1 PredictionMade-sized event to a new stream)`;
  return [
    figure(`(j) Predict, ${label}`, 'calls/s', callsPerSecond(grpc), callsPerSecond(baseline)),
    figure(
      `(j) Predict p50, ${label}`,
      'ms',
      percentile(grpc.latencies, 50),
      percentile(baseline.latencies, 50),
    ),
    figure(
      `(j) Predict p99, ${label}`,
      'ms',
      percentile(grpc.latencies, 99),
      percentile(baseline.latencies, 99),
      valueAtMost(P99_TARGET_MS, 'ms'),
    ),
  ];
};

export const predictOnline = async (env: BenchEnvironment): Promise<Figure[]> => {
  console.log(
    `(j) Models.Predict over gRPC from ${env.grpc.length} clients (${ROUNDS} rounds of ` +
      `${ROUND_MS / 1000}s, alternating with an Append baseline), then LiveEvaluationWorkflow's ` +
      `lag behind the log while they predict; '${VIEW.name}' on the demo log, in a database of ` +
      'its own',
  );
  const world = await setUpPredictWorld(env);
  try {
    const figures = await measurePredict(world);
    figures.push(...(await measureLiveEvaluation(world)));
    return figures;
  } finally {
    await world.close();
  }
};
