// Which way is better for each metric that promotion rules may name: the one table of it.
import { HindsightError } from '../../platform/errors.js';

/** One evaluation's metrics, JSON-safe: null where a metric is undefined (AUC on one class). */
export type Metrics = Readonly<Record<string, number | null>>;

export type MetricDirection = 'higher' | 'lower';

export const METRIC_DIRECTIONS = Object.freeze({
  rocAuc: 'higher',
  prAuc: 'higher',
  accuracy: 'higher',
  precision: 'higher',
  recall: 'higher',
  f1: 'higher',
  logLoss: 'lower',
  brier: 'lower',
  ece: 'lower',
} as const satisfies Record<string, MetricDirection>);

export type MetricName = keyof typeof METRIC_DIRECTIONS;

export const METRIC_NAMES: readonly MetricName[] = Object.freeze(
  Object.keys(METRIC_DIRECTIONS) as MetricName[],
);

/** A metric's name as runs log it: `rocAuc` → `roc_auc` (then `val_roc_auc`, `v3.roc_auc`). */
export const loggedMetricKey = (name: string): string =>
  name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export const isMetricName = (name: string): name is MetricName =>
  Object.hasOwn(METRIC_DIRECTIONS, name);

export const unknownMetricMessage = (name: string): string =>
  `unknown metric '${name}'; known: ${METRIC_NAMES.join(', ')}`;

/** Throws `INVALID_ARGUMENT` for a name outside the table rather than guess a direction. */
export const metricDirection = (name: string): MetricDirection => {
  if (!isMetricName(name)) throw new HindsightError('INVALID_ARGUMENT', unknownMetricMessage(name));
  return METRIC_DIRECTIONS[name];
};

/** How much better `value` is than `reference`, in the metric's units; negative when worse. */
export const improvement = (metric: string, value: number, reference: number): number =>
  metricDirection(metric) === 'higher' ? value - reference : reference - value;

/** The value `delta` better than `reference` (worse for a negative `delta`). */
export const shiftBetter = (metric: string, reference: number, delta: number): number =>
  metricDirection(metric) === 'higher' ? reference + delta : reference - delta;
