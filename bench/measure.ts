// Timing helpers: measured sections with their CPU split, alternating rounds, concurrency,
// pacing and percentiles.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { addCpu, cpuDelta, formatCpu, type CpuMeter, type CpuSample } from './cpu.js';

export interface Measured<T> {
  result: T;
  seconds: number;
  cpu: CpuSample;
}

export const measure = async <T>(cpu: CpuMeter, work: () => Promise<T>): Promise<Measured<T>> => {
  const before = cpu.sample();
  const start = performance.now();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  return { result, seconds, cpu: cpuDelta(before, cpu.sample()) };
};

export const printMeasured = (label: string, what: string, m: Measured<unknown>): void =>
  console.log(`  ${label}: ${what} in ${m.seconds.toFixed(2)}s; ${formatCpu(m.cpu)}`);

export interface Sides<T> {
  grpc: Measured<T[]>;
  baseline: Measured<T[]>;
}

/**
 * Runs each side's rounds alternately (gRPC 1, baseline 1, gRPC 2, ...), so that drift in the
 * machine's state (WAL, autovacuum, neighbours) hits both alike; sums each side's time and CPU.
 */
export const alternate = async <T>(
  cpu: CpuMeter,
  rounds: number,
  grpc: (round: number) => Promise<T>,
  baseline: (round: number) => Promise<T>,
): Promise<Sides<T>> => {
  const empty = (): Measured<T[]> => ({
    result: [],
    seconds: 0,
    cpu: { bench: 0, server: 0, postgres: 0 },
  });
  const sides = { grpc: empty(), baseline: empty() };
  const add = (into: Measured<T[]>, m: Measured<T>): void => {
    into.result.push(m.result);
    into.seconds += m.seconds;
    into.cpu = addCpu(into.cpu, m.cpu);
  };
  for (let round = 0; round < rounds; round++) {
    add(sides.grpc, await measure(cpu, () => grpc(round)));
    add(sides.baseline, await measure(cpu, () => baseline(round)));
  }
  return sides;
};

/** Runs one worker per index, all at once, and waits for all of them. */
export const concurrently = (count: number, worker: (index: number) => Promise<void>) =>
  Promise.all(Array.from({ length: count }, (_, i) => worker(i))).then(() => undefined);

/** Splits each client's list of work into `rounds` consecutive slices: [round][client][item]. */
export const inRounds = <T>(perClient: T[][], rounds: number): T[][][] =>
  Array.from({ length: rounds }, (_, r) =>
    perClient.map((items) => {
      const size = Math.ceil(items.length / rounds);
      return items.slice(r * size, (r + 1) * size);
    }),
  );

/**
 * Calls `fire(i)` for i = 0 .. total-1 at `perSecond`, on schedule whatever the replies do
 * (an open loop: a slow reply does not delay the next send).
 */
export const paced = async (
  total: number,
  perSecond: number,
  fire: (i: number) => void,
): Promise<void> => {
  const start = performance.now();
  const dueAt = (i: number): number => start + (i * 1000) / perSecond;
  let next = 0;
  while (next < total) {
    while (next < total && dueAt(next) <= performance.now()) fire(next++);
    if (next < total) await sleep(Math.max(1, dueAt(next) - performance.now()));
  }
};

/** Resolves once `done()` holds, polling every 10 ms, or after `timeoutMs`. */
export const waitFor = async (done: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
};

/** Nearest-rank percentile of an ascending array. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

export const rate = (count: number, seconds: number, unit: string): string =>
  `${count} ${unit} = ${Math.round(count / seconds)} ${unit}/s`;
