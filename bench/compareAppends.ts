// The shape shared by (a) and (b): the same planned appends sent over gRPC by every client and
// inserted by every baseline pg connection, alternating in rounds after a warm-up.
import type pg from 'pg';
import type { AppendRequest } from '../gen/hindsight/v1/eventstore.js';
import type { BenchEnvironment } from './environment.js';
import { alternate, concurrently, inRounds, printMeasured, rate } from './measure.js';

export interface AppendComparison<Work> {
  /** Per client, its work items; `prefix` keeps each phase on streams of its own. */
  plan: (clients: number, perClient: number, prefix: string) => Work[][];
  toRequest: (work: Work) => AppendRequest;
  insert: (client: pg.Client, work: Work) => Promise<unknown>;
  perClient: number;
  warmUpPerClient: number;
  rounds: number;
  /** Counted units per work item (events or appends) and their name. */
  unitsPerItem: number;
  grpcUnit: string;
  baselineUnit: string;
}

const viaGrpc = (env: BenchEnvironment, requests: AppendRequest[][]) =>
  concurrently(requests.length, async (c) => {
    const calls = env.grpc[c]?.calls;
    if (!calls) throw new Error(`no client ${c}`);
    for (const request of requests[c] ?? []) await calls.append(request);
  });

const viaPg = <Work>(
  env: BenchEnvironment,
  work: Work[][],
  insert: AppendComparison<Work>['insert'],
) =>
  concurrently(work.length, async (c) => {
    const client = env.pg[c];
    if (!client) throw new Error(`no pg connection ${c}`);
    for (const item of work[c] ?? []) await insert(client, item);
  });

/** Runs the comparison and returns the rates, in units per second. */
export const compareAppends = async <Work>(
  env: BenchEnvironment,
  c: AppendComparison<Work>,
): Promise<{ grpc: number; baseline: number }> => {
  const clients = env.grpc.length;
  const total = clients * c.perClient * c.unitsPerItem;
  const requests = (work: Work[][]) => work.map((items) => items.map(c.toRequest));
  await viaGrpc(env, requests(c.plan(clients, c.warmUpPerClient, 'warm')));
  await viaPg(env, c.plan(clients, c.warmUpPerClient, 'basewarm'), c.insert);

  const grpcRounds = inRounds(requests(c.plan(clients, c.perClient, 'run')), c.rounds);
  const pgRounds = inRounds(c.plan(clients, c.perClient, 'baserun'), c.rounds);
  const { grpc, baseline } = await alternate(
    env.cpu,
    c.rounds,
    (r) => viaGrpc(env, grpcRounds[r] ?? []),
    (r) => viaPg(env, pgRounds[r] ?? [], c.insert),
  );
  printMeasured('gRPC', rate(total, grpc.seconds, c.grpcUnit), grpc);
  printMeasured('pg baseline', rate(total, baseline.seconds, c.baselineUnit), baseline);
  return { grpc: total / grpc.seconds, baseline: total / baseline.seconds };
};
