// Figure (j)'s clients: 16 gRPC channels to the platform server, each carrying an EventStore
// client and a Models client (so Predict and its baseline share every connection), and a
// closed loop that keeps each client calling for a while and records each call's latency.
import type { ServiceError } from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import type { AppendRequest } from '../gen/hindsight/v1/eventstore.js';
import {
  ModelsClient,
  type PredictRequest,
  type PredictResponse,
} from '../gen/hindsight/v1/models.js';
import { channelOf } from '../sdk/client.js';
import { createBenchClient, unary, type BenchClient } from './clients.js';
import { percentile } from './measure.js';

export interface PredictClient {
  eventStore: BenchClient;
  models: ModelsClient;
  predict(modelName: string, entityId: string): Promise<PredictResponse>;
  close(): void;
}

export const createPredictClient = (address: string): PredictClient => {
  const eventStore = createBenchClient(address);
  const models = new ModelsClient(
    address,
    ...channelOf({ address, channelOptions: { channelOverride: eventStore.client.getChannel() } }),
  );
  return {
    eventStore,
    models,
    predict: (modelName, entityId) =>
      unary<PredictRequest, PredictResponse>((r, cb) => models.predict(r, cb), {
        modelName,
        entityId,
        predictionId: '',
        asOfMs: 0,
      }),
    close: () => {
      models.close();
      eventStore.client.close();
    },
  };
};

export interface CallStats {
  calls: number;
  seconds: number;
  /** Of the successful calls, ascending, in ms. */
  latencies: number[];
  /** Failed calls by status code and message. */
  errors: Map<string, number>;
}

export const callsPerSecond = (stats: CallStats): number => stats.calls / stats.seconds;

export const describeCalls = (stats: CallStats): string => {
  const failed = [...stats.errors.values()].reduce((a, b) => a + b, 0);
  const { latencies: l } = stats;
  return (
    `${stats.calls} calls = ${Math.round(callsPerSecond(stats))}/s, p50 ` +
    `${percentile(l, 50).toFixed(2)} ms, p99 ${percentile(l, 99).toFixed(2)} ms, max ` +
    `${(l.at(-1) ?? Number.NaN).toFixed(1)} ms` +
    (failed > 0
      ? `; ${failed} FAILED: ${[...stats.errors].map(([k, n]) => `${n}x ${k}`).join('; ')}`
      : '')
  );
};

const errorKey = (error: unknown): string => {
  const { code, details, message } = error as Partial<ServiceError>;
  return `${code ?? '?'} ${(details ?? message ?? String(error)).slice(0, 120)}`;
};

/** Each of `clients` calls `call(client, i)` one call after the other until `ms` have passed. */
export const callFor = async (
  clients: number,
  ms: number,
  call: (client: number, i: number) => Promise<unknown>,
): Promise<CallStats> => {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < end; i++) {
        const sent = performance.now();
        try {
          await call(client, i);
          latencies.push(performance.now() - sent);
        } catch (error) {
          const key = errorKey(error);
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { calls: latencies.length, seconds, latencies, errors };
};

/** Several runs as one: their calls and time added, their latencies merged. */
export const mergeCalls = (runs: readonly CallStats[]): CallStats => {
  const errors = new Map<string, number>();
  for (const run of runs) {
    for (const [key, n] of run.errors) errors.set(key, (errors.get(key) ?? 0) + n);
  }
  return {
    calls: runs.reduce((sum, r) => sum + r.calls, 0),
    seconds: runs.reduce((sum, r) => sum + r.seconds, 0),
    latencies: runs.flatMap((r) => r.latencies).sort((a, b) => a - b),
    errors,
  };
};

/** One event shaped like a prediction, to a stream of its own that must not exist yet. */
export const appendLikePrediction = (data: Buffer, streamId: string): AppendRequest => ({
  streamId,
  events: [
    {
      eventId: '',
      type: 'BenchPredictionCopy',
      schemaVersion: 1,
      data,
      occurredAtMs: Date.now(),
      correlationId: '',
      causationId: '',
      actor: '',
      metadata: Buffer.alloc(0),
    },
  ],
  expected: { $case: 'expectedVersion', expectedVersion: 0 },
});
