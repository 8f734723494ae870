// `ModelEvaluated` and `RetrainingTriggered` on `evaluation-<name>`: a live evaluation's figures
// per model version and window, and why it started a retraining.
import { z } from 'zod';
import type { ReadableAs } from './platformEvents.js';

export const MODEL_EVALUATED = 'ModelEvaluated';
export const RETRAINING_TRIGGERED = 'RetrainingTriggered';
export const evaluationStreamOf = (name: string): string => `evaluation-${name}`;

const nullableNumber = z.number().nullable();

const calibrationBin = z.object({
  lower: z.number(),
  upper: z.number(),
  count: z.number().int().nonnegative(),
  meanPredicted: nullableNumber,
  observedRate: nullableNumber,
});

/** What readers check of a `ModelEvaluated`: one live window of one model version. */
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

/** The data of a `ModelEvaluated` as the worker writes it (`VersionWindowMetrics` of ml/monitoring). */
export type ModelEvaluated = ReadableAs<
  typeof modelEvaluatedData,
  {
    evaluation: string;
    modelName: string;
    window: { index: number; start: number; end: number; labelHorizonMs: number };
    modelVersion: string;
    predictions: number;
    labelled: number;
    unlabelled: number;
    expired: number;
    labelCoverage: number;
    positives: number;
    positiveRate: number | null;
    meanScore: number | null;
    rocAuc: number | null;
    prAuc: number | null;
    logLoss: number | null;
    brier: number | null;
    ece: number | null;
    calibration: z.infer<typeof calibrationBin>[] | null;
  }
>;

/** What readers check of a `RetrainingTriggered`: any object (the console shows it as it is). */
export const retrainingTriggeredData = z.record(z.string(), z.unknown());

/** The data of a `RetrainingTriggered` as the worker writes it. */
export type RetrainingTriggered = ReadableAs<
  typeof retrainingTriggeredData,
  {
    name: string;
    modelName: string;
    championVersion: string;
    pipelineId: string;
    reason: string;
    /** The windows that made the streak, with their figure. */
    windows: { windowStart: number; value: number | null }[];
    metric: string;
  }
>;
