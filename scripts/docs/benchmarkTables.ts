// The benchmark figures as tables, from bench/results.json (`make bench` writes it; a partial
// run with BENCH_ONLY updates only its own figures, so each figure keeps its own date).
import { z } from 'zod';
import { markdownTable } from './markdownTable.js';

const benchResult = z.object({
  name: z.string(),
  value: z.number(),
  unit: z.string(),
  baseline: z.number(),
  ratio: z.number(),
  target: z.string().optional(),
  met: z.boolean().optional(),
  measuredAt: z.string(),
});
export type BenchResult = z.infer<typeof benchResult>;

export const benchResults = (json: string): BenchResult[] =>
  z.object({ results: z.array(benchResult) }).parse(JSON.parse(json)).results;

/** The figures the README shows; a name missing from results.json fails `make docs`. */
export const HEADLINE_FIGURES = [
  '(a) append 100 events/call, 16 clients',
  '(b) append 1 event/call, 16 clients',
  '(c) ReadAll whole log, one call',
  '(d) append→subscriber p99, 1000 events/s',
  '(e) dataset generation, 1M events',
  '(g) load 10k-event stream, snapshot at head, median',
  '(h) incremental dataset, 1M + 1% events',
  '(i) UpcastMigrationWorkflow incl. verify, 100k events, 4 clients appending',
  '(j) Predict p99, 16 clients',
  '(k) browser Overview (#/) p50',
  '(l) 300 idle Subscribe streams: server CPU',
];

/** A figure's name without the baseline it is measured against. */
const shortName = (name: string): string => name.replace(/ \(baseline: .*\)$/, '');

const grouped = (value: number): string => Math.round(value).toLocaleString('en-US');

export const shownValue = (value: number, unit: string): string => {
  if (unit === 'ms') {
    if (value >= 1000) return `${(value / 1000).toFixed(value >= 10_000 ? 1 : 2)} s`;
    return `${value >= 100 ? grouped(value) : value.toFixed(value >= 10 ? 1 : 2)} ms`;
  }
  if (unit === '% core') return `${value.toFixed(2)}% of a core`;
  return `${grouped(value)} ${unit}`;
};

/**
 * A target against another figure ("full replay / this >= 20") is computed from that figure:
 * the full replay beside a snapshot load, the full rebuild beside an incremental dataset.
 */
const partnerOf = (result: BenchResult, all: readonly BenchResult[]): BenchResult | undefined => {
  const name = shortName(result.name)
    .replace(/snapshot (at head|100 behind)/, 'full replay')
    .replace('incremental dataset', 'full dataset rebuild');
  return all.find((other) => other !== result && shortName(other.name) === name);
};

const shownTarget = (result: BenchResult, all: readonly BenchResult[]): string => {
  if (result.target === undefined) return '—';
  const text = result.target.replace(/>=/g, '≥').replace(/<=/g, '≤');
  const partner = result.target.includes('/ this') ? partnerOf(result, all) : undefined;
  const times = partner ? ` (${(partner.value / result.value).toFixed(1)}×)` : '';
  return `${text}${times}: ${result.met ? 'met' : 'missed'}`;
};

const row = (result: BenchResult, all: readonly BenchResult[], name: string): string[] => [
  name,
  shownValue(result.value, result.unit),
  shownValue(result.baseline, result.unit),
  result.ratio.toFixed(2),
  shownTarget(result, all),
  result.measuredAt.slice(0, 10),
];

const HEADER = ['figure', 'Hindsight', 'raw baseline (same run)', 'ratio', 'target', 'measured'];

/** Every figure results.json holds, in its order. */
export const benchmarkTable = (results: readonly BenchResult[]): string =>
  markdownTable(
    HEADER,
    results.map((result) => row(result, results, result.name)),
  );

/** The README's few figures, each named without its baseline (the column says it). */
export const headlineTable = (results: readonly BenchResult[]): string =>
  markdownTable(
    HEADER,
    HEADLINE_FIGURES.map((name) => {
      const result = results.find((r) => shortName(r.name) === name);
      if (!result) throw new Error(`bench/results.json has no figure '${name}'`);
      return row(result, results, name);
    }),
  );
