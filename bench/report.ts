// The benchmark's output: a table on stdout and bench/results.json.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../config/paths.js';

export interface Target {
  /** e.g. "ratio >= 0.7" */
  text: string;
  met: boolean;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  /** value / baseline, for throughput and latency alike. */
  ratio: number;
  target?: Target;
}

export const figure = (
  name: string,
  unit: string,
  value: number,
  baseline: number,
  target?: (figure: { value: number; ratio: number }) => Target,
): Figure => {
  const ratio = value / baseline;
  return { name, value, unit, baseline, ratio, target: target?.({ value, ratio }) };
};

export const ratioAtLeast =
  (min: number) =>
  ({ ratio }: { ratio: number }): Target => ({ text: `ratio >= ${min}`, met: ratio >= min });

export const valueAtMost =
  (max: number, unit: string) =>
  ({ value }: { value: number }): Target => ({ text: `<= ${max} ${unit}`, met: value <= max });

const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** Units whose values are small: shown with two decimals, stored with three. */
const fractional = (unit: string): boolean => unit === 'ms' || unit === '% core';

const show = (value: number, unit: string): string =>
  Number.isFinite(value)
    ? fractional(unit)
      ? value.toFixed(2)
      : String(Math.round(value))
    : 'n/a';

export const printTable = (figures: readonly Figure[]): void => {
  const header = ['figure', 'value', 'unit', 'baseline', 'ratio', 'target', ''];
  const rows = figures.map((f) => [
    f.name,
    show(f.value, f.unit),
    f.unit,
    show(f.baseline, f.unit),
    Number.isFinite(f.ratio) ? f.ratio.toFixed(2) : 'n/a',
    f.target?.text ?? '',
    f.target ? (f.target.met ? 'met' : 'MISSED') : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const numeric = new Set([1, 3, 4]);
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) =>
        numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  console.log('');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  rows.forEach((row) => console.log(line(row)));
  console.log('');
};

interface StoredResult {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
  target?: string;
  met?: boolean;
  measuredAt: string;
}

const storedResults = (file: string): StoredResult[] => {
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      generatedAt?: string;
      results?: StoredResult[];
    };
    return (stored.results ?? []).map((r) => ({
      ...r,
      measuredAt: r.measuredAt ?? stored.generatedAt ?? 'unknown',
    }));
  } catch {
    return [];
  }
};

/**
 * Updates bench/results.json with these figures, keeping the others (a `BENCH_ONLY` run
 * replaces only what it measured); each figure says when it was measured.
 */
export const writeResults = (figures: readonly Figure[]): string => {
  const file = path.join(projectRoot, 'bench', 'results.json');
  const measuredAt = new Date().toISOString();
  const fresh = figures.map((f): StoredResult => {
    const digits = fractional(f.unit) ? 3 : 0;
    return {
      name: f.name,
      value: round(f.value, digits),
      unit: f.unit,
      baseline: round(f.baseline, digits),
      ratio: round(f.ratio, 3),
      ...(f.target ? { target: f.target.text, met: f.target.met } : {}),
      measuredAt,
    };
  });
  const names = new Set(fresh.map((r) => r.name));
  const results = [...storedResults(file).filter((r) => !names.has(r.name)), ...fresh].sort(
    (a, b) => a.name.localeCompare(b.name),
  );
  const report = {
    generatedAt: measuredAt,
    machine: { cpus: cpus().length, node: process.version },
    results,
  };
  // Written whole or not at all: a reader never sees half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
};
