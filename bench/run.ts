// The benchmark (`make bench`): Hindsight's gRPC server, run as a separate process, against
// plain pg on the same database. Prints a table and writes bench/results.json.
// BENCH_ONLY=a,c runs some of the figures; BENCH_SERVER_NODE_ARGS passes node flags (e.g.
// --cpu-prof) to the server process.
import { cpus } from 'node:os';
import { appendBatches } from './appendBatch.js';
import { appendSingles } from './appendSingle.js';
import { measureConsolePages } from './console.js';
import { generateDatasets } from './datasets.js';
import { durableHorizon } from './durableHorizon.js';
import { setUpEnvironment, type BenchEnvironment } from './environment.js';
import { idleSubscribers } from './idleSubscribers.js';
import { generateIncrementalDatasets } from './incremental.js';
import { subscriberLatency } from './latency.js';
import { migrateWhileAppending } from './migrations.js';
import { timeRetrainingPipeline } from './pipeline.js';
import { predictOnline } from './predict.js';
import { readWholeLog } from './readAll.js';
import { printTable, writeResults, type Figure } from './report.js';
import { loadAggregates } from './snapshots.js';

const WATCHDOG_MS = 30 * 60 * 1000;

const benchmarks: [string, (env: BenchEnvironment) => Promise<Figure | Figure[]>][] = [
  ['a', appendBatches],
  ['b', appendSingles],
  ['c', readWholeLog],
  ['d', subscriberLatency],
  ['e', generateDatasets],
  ['f', timeRetrainingPipeline],
  ['g', loadAggregates],
  ['h', generateIncrementalDatasets],
  ['i', migrateWhileAppending],
  ['j', predictOnline],
  ['k', measureConsolePages],
  ['l', idleSubscribers],
  ['m', durableHorizon],
];

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());

const main = async (): Promise<void> => {
  console.log(`Hindsight benchmark: ${cpus().length} CPUs, node ${process.version}`);
  const started = Date.now();
  const env = await setUpEnvironment();
  const figures: Figure[] = [];
  try {
    for (const [key, run] of benchmarks) {
      if (only && !only.includes(key)) continue;
      figures.push(...[await run(env)].flat());
    }
    console.log(`gRPC connections open at the end: ${env.grpcConnections() ?? '?'}`);
  } finally {
    await env.close();
  }
  printTable(figures);
  const file = writeResults(figures);
  console.log(`wrote ${file} (run took ${((Date.now() - started) / 1000).toFixed(0)}s)`);
};

const watchdog = setTimeout(() => {
  console.error(`the benchmark did not finish within ${WATCHDOG_MS / 60_000} minutes`);
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();

await main();
