// A pipeline schedule's spec, checked and compiled to Temporal's: an interval or a 5-field cron,
// with the text that `list` shows (the server keeps a cron only as compiled calendars).
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { ScheduleSpec } from '@temporalio/client';
import { ValidationError } from '../../eventstore/index.js';
import type { DurationText, PipelineScheduleSpec } from './types.js';

const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
] as const;

/** `7200000` → `2h`, `90000` → `90s`. */
export const formatDuration = (ms: number): string => {
  if (ms === 0) return '0s';
  const [unit, size] = UNITS.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
};

/** A duration in whole seconds (Temporal rounds schedule durations to them), in ms. */
export const durationMs = (field: string, value: DurationText, minMs: number): number => {
  let ms: number;
  try {
    ms = msToNumber(value as Duration);
  } catch {
    throw new ValidationError(
      field,
      `${JSON.stringify(value)} is not a duration such as '90s' or '1h'`,
    );
  }
  if (!Number.isFinite(ms) || ms % 1000 !== 0) {
    throw new ValidationError(field, `${JSON.stringify(value)} is not a whole number of seconds`);
  }
  if (ms < minMs) {
    throw new ValidationError(
      field,
      `must be at least ${formatDuration(minMs)}, not ${JSON.stringify(value)}`,
    );
  }
  return ms;
};

// Minute, hour, day of month, month, day of week: digits, names, *, ranges, steps and lists.
const CRON_FIELD = /^[0-9A-Za-z*/,-]+$/;

const cronSpec = (cron: unknown): { spec: ScheduleSpec; text: string } => {
  const fields = typeof cron === 'string' ? cron.trim().split(/\s+/) : [];
  if (fields.length !== 5 || !fields.every((field) => CRON_FIELD.test(field))) {
    throw new ValidationError(
      'spec.cron',
      `${JSON.stringify(cron)} is not a cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. '0 3 * * *'`,
    );
  }
  const text = fields.join(' ');
  return { spec: { cronExpressions: [text] }, text: `cron ${text}` };
};

const intervalSpec = (
  every: DurationText,
  offset: DurationText = 0,
): { spec: ScheduleSpec; text: string } => {
  const everyMs = durationMs('spec.every', every, 1000);
  const offsetMs = durationMs('spec.offset', offset, 0);
  if (offsetMs >= everyMs) {
    throw new ValidationError(
      'spec.offset',
      `must be shorter than the interval (${formatDuration(everyMs)})`,
    );
  }
  return {
    spec: { intervals: [{ every: everyMs, offset: offsetMs }] },
    text: `every ${formatDuration(everyMs)}${offsetMs ? ` offset ${formatDuration(offsetMs)}` : ''}`,
  };
};

export const compileScheduleSpec = (
  given: PipelineScheduleSpec,
): { spec: ScheduleSpec; text: string } => {
  const spec = given as Partial<{ every: DurationText; offset: DurationText; cron: string }>;
  if ((spec.every === undefined) === (spec.cron === undefined)) {
    throw new ValidationError('spec', "give either { every: '1h' } or { cron: '0 3 * * *' }");
  }
  if (spec.every === undefined) return cronSpec(spec.cron);
  return intervalSpec(spec.every, spec.offset);
};
