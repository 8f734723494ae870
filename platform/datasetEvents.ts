// `DatasetGenerated` on `hindsight.datasets-<view>`: the platform eats its own cooking, so a
// published dataset is an event, its history queryable like any other.
import { z } from 'zod';
import type { JsonObject } from '../eventstore/index.js';
import type { ReadableAs } from './platformEvents.js';

export const DATASET_GENERATED = 'DatasetGenerated';
export const datasetStreamOf = (view: string): string => `hindsight.datasets-${view}`;

/** What readers check of a `DatasetGenerated`: the fields they use, as older servers wrote them too. */
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

/** The data of a `DatasetGenerated` as the worker writes it (from the dataset's manifest). */
export type DatasetGenerated = ReadableAs<
  typeof datasetGeneratedData,
  {
    digest: string;
    view: { name: string; version: number; codeHash: string };
    cut: { transactionId: number; takenAt: number | null };
    events: number;
    rows: number;
    labelBalance: Record<string, number | null>;
    /** The manifest's split: its spec, windows and counts. */
    split: JsonObject;
    observedFrom: number | null;
    observedUntil: number | null;
    /** Where the dataset lives: its MLflow run, and the Parquet file and manifest in it. */
    mlflow: { experimentId: string; runId: string; parquet: string; manifest: string };
  }
>;
