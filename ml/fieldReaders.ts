// Readers for settings that come from users as JSON (promotion rules, degradation policies):
// each problem is collected with the field's path, so one error can name them all.
import { HindsightError } from '../platform/errors.js';
import { isMetricName, unknownMetricMessage } from './promotion/metricDirections.js';
import type { MetricName } from './promotion/metricDirections.js';

export type Problems = string[];

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value as an error message names it. */
export const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return String(value);
  return `a ${typeof value}`;
};

/** `undefined` counts as omitted, so that `{ ...settings, key: undefined }` means the default. */
export const fieldOf = (record: Record<string, unknown>, key: string): unknown =>
  Object.hasOwn(record, key) ? record[key] : undefined;

export const unknownKeys = (
  record: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
): string[] =>
  Object.keys(record)
    .filter((key) => !known.includes(key))
    .map((key) => `${prefix}${key}: unknown key; known: ${known.join(', ')}`);

export const readMetric = (
  value: unknown,
  path: string,
  problems: Problems,
): MetricName | undefined => {
  if (typeof value !== 'string') {
    problems.push(`${path}: must be a metric name, not ${describe(value)}`);
    return undefined;
  }
  if (!isMetricName(value)) {
    problems.push(`${path}: ${unknownMetricMessage(value)}`);
    return undefined;
  }
  return value;
};

export const readNonNegative = (
  value: unknown,
  path: string,
  problems: Problems,
): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  problems.push(`${path}: must be a finite number ≥ 0, not ${describe(value)}`);
  return undefined;
};

export const readWhole = (
  value: unknown,
  path: string,
  least: number,
  problems: Problems,
): number | undefined => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= least) return value;
  problems.push(`${path}: must be a whole number ≥ ${least}, not ${describe(value)}`);
  return undefined;
};

export interface SettingsReader {
  record: Record<string, unknown>;
  /** Unknown keys so far; readers add their own problems. */
  problems: Problems;
  /** The field read by `read`, or `fallback` when it is omitted. */
  field: <T>(key: string, read: (value: unknown) => T | undefined, fallback: T) => T | undefined;
}

/**
 * Starts reading settings named `what` (e.g. "promotion rules"): `undefined` is `{}`, anything
 * but an object is refused at once, unknown keys are problems.
 */
export const readSettings = (
  what: string,
  input: unknown,
  known: readonly string[],
): SettingsReader => {
  const record = input === undefined ? {} : input;
  if (!isRecord(record)) {
    throw new HindsightError(
      'INVALID_ARGUMENT',
      `invalid ${what}: must be an object, not ${describe(input)}`,
    );
  }
  return {
    record,
    problems: unknownKeys(record, known, ''),
    field: (key, read, fallback) => {
      const value = fieldOf(record, key);
      return value === undefined ? fallback : read(value);
    },
  };
};
