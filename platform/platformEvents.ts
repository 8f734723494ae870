// The shapes of the platform's own events, checked wherever they are read. The log is
// append-only, so a malformed one (written straight into the table, or by an older server) stays
// forever: readers skip it and count it, and it never fails a workflow, a page or a command.
import { z } from 'zod';
import type { StoredEvent } from '../eventstore/types.js';

const nullableNumber = z.number().nullable();

/** The paired bootstrap interval of a promotion's gain (`GainInterval` of ml/metrics). */
export const gainIntervalData = z.object({
  metric: z.string(),
  confidence: z.number(),
  resamples: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  gain: z.number(),
  lower: z.number(),
  upper: z.number(),
  standardError: z.number(),
});
export type GainIntervalData = z.infer<typeof gainIntervalData>;

/** `ModelPromoted` and `PromotionRejected` on `hindsight.models-<model>` (the fields readers use). */
export const promotionDecisionData = z.object({
  workflowId: z.string(),
  modelName: z.string(),
  outcome: z.enum(['promoted', 'rejected']),
  decidedBy: z.enum(['rules', 'reviewer', 'timeout', 'champion_changed', 'rollback']),
  challengerVersion: z.string().min(1),
  championVersion: z.string().nullable(),
  reviewer: z.string().nullable(),
  reason: z.string(),
  datasetDigest: z.string(),
  // Events recorded before significance intervals have none.
  interval: gainIntervalData.nullish(),
});
export type PromotionDecisionData = z.infer<typeof promotionDecisionData>;

const calibrationBin = z.object({
  lower: z.number(),
  upper: z.number(),
  count: z.number().int().nonnegative(),
  meanPredicted: nullableNumber,
  observedRate: nullableNumber,
});

/** `ModelEvaluated` on `evaluation-<model>`: one live window of one model version. */
export const modelEvaluatedData = z.object({
  modelVersion: z.string(),
  window: z.object({ index: z.number().int(), start: z.number(), end: z.number() }),
  predictions: z.number().int().nonnegative(),
  labelled: z.number().int().nonnegative(),
  labelCoverage: z.number(),
  positiveRate: nullableNumber,
  meanScore: nullableNumber,
  rocAuc: nullableNumber,
  logLoss: nullableNumber,
  brier: nullableNumber,
  ece: nullableNumber,
  calibration: z.array(calibrationBin).nullable(),
});
export type ModelEvaluatedData = z.infer<typeof modelEvaluatedData>;

/** `DatasetGenerated` on `hindsight.datasets-<view>`: a published dataset (the fields read). */
export const datasetGeneratedData = z.object({
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  view: z.object({ name: z.string(), codeHash: z.string() }),
  cut: z.unknown(),
  events: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  // positiveRate is null when no row is labelled.
  labelBalance: z.record(z.string(), z.number().nullable()),
  split: z.unknown(),
  observedFrom: z.union([z.number(), z.string()]).nullish(),
  observedUntil: z.union([z.number(), z.string()]).nullish(),
  mlflow: z.object({ experimentId: z.string(), runId: z.string() }),
});
export type DatasetGeneratedData = z.infer<typeof datasetGeneratedData>;

/** `RetrainingTriggered` on `evaluation-<model>`: why live evaluation started a pipeline. */
export const retrainingTriggeredData = z.record(z.string(), z.unknown());

/** A platform event a reader skipped, and why. */
export interface MalformedPlatformEvent {
  eventId: string;
  streamId: string;
  type: string;
  globalPosition: number;
  problem: string;
}

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(data)'}: ${issue.message}`)
    .join('; ');

/** Parsed JSON checked against `schema`, or why it does not fit. */
export const checkPlatformData = <T>(
  type: string,
  json: unknown,
  schema: z.ZodType<T>,
): { ok: true; data: T } | { ok: false; problem: string } => {
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : {
        ok: false,
        problem: `${type} data does not fit its schema: ${describeIssues(parsed.error)}`,
      };
};

/** The event's data checked against `schema`, or why it does not fit. */
export const parsePlatformData = <T>(
  event: StoredEvent,
  schema: z.ZodType<T>,
): { ok: true; data: T } | { ok: false; malformed: MalformedPlatformEvent } => {
  const malformed = (problem: string) => ({
    ok: false as const,
    malformed: {
      eventId: event.eventId,
      streamId: event.streamId,
      type: event.type,
      globalPosition: event.globalPosition,
      problem,
    },
  });
  let json: unknown;
  try {
    json = JSON.parse(event.data);
  } catch {
    return malformed('data is not JSON');
  }
  const checked = checkPlatformData(event.type, json, schema);
  return checked.ok ? checked : malformed(checked.problem);
};

/** One log line for skipped platform events, naming each. */
export const describeMalformed = (where: string, malformed: MalformedPlatformEvent[]): string =>
  `${where}: skipped ${malformed.length} malformed platform event(s): ` +
  malformed.map((m) => `${m.type} ${m.eventId} on ${m.streamId} (${m.problem})`).join('; ');
