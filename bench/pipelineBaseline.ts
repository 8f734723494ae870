// The raw work under figure (f), done in the bench process: a plain pg read of the events the
// pipeline's dataset read, and each trainer's `train()` called directly on the train rows its
// training activity read, from the very Parquet file (checked against the manifest's sha256).
import { manifestFeatureTypes } from '../ml/datasetManifest.js';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { readDatasetSplits } from '../activities/training/readSplits.js';
import type { TrainerSpec } from '../activities/training/types.js';
import type { DatasetManifest } from '../ml/datasetManifest.js';
import { getTrainer } from '../ml/trainers/registry.js';
import type { TrainingSet } from '../ml/trainers/types.js';

/**
 * One query for all the events below the cut of the given types; pg parses `data` and
 * `metadata` (jsonb) with JSON.parse, as a consumer must.
 */
export const readEventsBelowCut = async (
  client: pg.Client,
  cut: number,
  eventTypes: readonly string[],
): Promise<{ events: number; seconds: number }> => {
  const start = performance.now();
  const { rows } = await client.query(
    `select * from hindsight.events
      where tx_id < $1::text::xid8 and event_type = any($2::text[])
      order by tx_id, global_position`,
    [String(cut), eventTypes],
  );
  return { events: rows.length, seconds: (performance.now() - start) / 1000 };
};

const sha256Of = async (file: string): Promise<string> => {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
};

/** The dataset's train split as trainers take it, as the training activity builds it. */
export const readTrainingSet = async (
  manifest: DatasetManifest,
  parquetFile: string,
): Promise<TrainingSet> => {
  const sha256 = await sha256Of(parquetFile);
  if (sha256 !== manifest.file.sha256) {
    throw new Error(`${parquetFile} has sha256 ${sha256}, the dataset ${manifest.file.sha256}`);
  }
  const { train } = await readDatasetSplits(manifest, parquetFile, path.dirname(parquetFile), [
    'train',
  ]);
  const featureTypes = manifestFeatureTypes(manifest.columns);
  return { featureNames: train.featureNames, featureTypes, rows: train.rows, labels: train.labels };
};

/** Seconds one `train()` takes here, with the spec's params and seed as the activity uses them. */
export const trainInProcess = (spec: TrainerSpec, set: TrainingSet): number => {
  const trainer = getTrainer(spec.name);
  const params = trainer.parseParams(spec.params ?? {});
  const start = performance.now();
  trainer.train(set, params, spec.seed ?? 1);
  return (performance.now() - start) / 1000;
};
