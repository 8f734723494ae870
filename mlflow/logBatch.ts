// Logging metrics, params and tags of a run in as few requests as MLflow's batch limits allow.
import { invalidParameter } from './errors.js';
import type { MlflowHttp } from './http.js';
import { checkKey, checkLength, LIMITS, type BatchLimits } from './limits.js';
import type { Tags } from './types.js';
import { toWireNumber, toWireTags, type WireTag } from './wire.js';

export interface MetricInput {
  key: string;
  value: number;
  step?: number;
  /** ms since the epoch; defaults to the time of the call. Give it to make retries exact. */
  timestamp?: number;
}

export type ParamValue = string | number | boolean;

export interface LogBatchInput {
  runId: string;
  metrics?: readonly MetricInput[];
  /** Write-once: re-logging a param with the same value is fine, another value is refused. */
  params?: Record<string, ParamValue>;
  tags?: Tags;
}

export interface WireBatch {
  metrics: { key: string; value: number | string; timestamp: number; step: number }[];
  params: WireTag[];
  tags: WireTag[];
}

const toWireMetrics = (metrics: readonly MetricInput[], now: number): WireBatch['metrics'] =>
  metrics.map(({ key, value, step = 0, timestamp = now }) => {
    checkKey('metric', key);
    if (typeof value !== 'number') throw invalidParameter(`metric '${key}' is not a number`);
    if (!Number.isSafeInteger(step) || !Number.isSafeInteger(timestamp)) {
      throw invalidParameter(`metric '${key}': step and timestamp must be integers`);
    }
    return { key, value: toWireNumber(value), timestamp, step };
  });

const toWireParams = (params: Record<string, ParamValue>): WireTag[] =>
  Object.entries(params).map(([key, value]) => {
    checkKey('param', key);
    const text = String(value);
    checkLength(`param '${key}' value`, text, LIMITS.paramValueLength);
    return { key, value: text };
  });

const toCheckedTags = (tags: Tags): WireTag[] =>
  toWireTags(tags).map((tag) => {
    checkKey('tag', tag.key);
    checkLength(`tag '${tag.key}' value`, tag.value ?? '', LIMITS.tagValueLength);
    return tag;
  });

/**
 * Splits a batch into request bodies within MLflow's limits: each has at most 100 params,
 * 100 tags and 1000 metrics, and at most 1000 entities in all. Validates everything first.
 */
export const splitLogBatch = (
  { metrics = [], params = {}, tags = {} }: Omit<LogBatchInput, 'runId'>,
  now: number = Date.now(),
  limits: BatchLimits = LIMITS,
): WireBatch[] => {
  const allMetrics = toWireMetrics(metrics, now);
  const allParams = toWireParams(params);
  const allTags = toCheckedTags(tags);
  const batches: WireBatch[] = [];
  let [m, p, t] = [0, 0, 0];
  while (m < allMetrics.length || p < allParams.length || t < allTags.length) {
    const batchParams = allParams.slice(p, p + limits.paramsPerBatch);
    const batchTags = allTags.slice(t, t + limits.tagsPerBatch);
    const room = Math.min(
      limits.metricsPerBatch,
      limits.entitiesPerBatch - batchParams.length - batchTags.length,
    );
    const batchMetrics = allMetrics.slice(m, m + room);
    batches.push({ metrics: batchMetrics, params: batchParams, tags: batchTags });
    [m, p, t] = [m + batchMetrics.length, p + batchParams.length, t + batchTags.length];
  }
  return batches;
};

/**
 * Logs the batch, one request per chunk, in order. Not atomic across chunks: after a failure,
 * call it again with the same input (and explicit metric timestamps): MLflow ignores a metric
 * point it already has and accepts a param logged again with the same value.
 */
export const logBatch = async (
  http: MlflowHttp,
  { runId, ...batch }: LogBatchInput,
): Promise<void> => {
  for (const chunk of splitLogBatch(batch)) {
    await http.call('POST', 'runs/log-batch', { run_id: runId, ...chunk });
  }
};
