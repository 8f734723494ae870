// Recording the datasets a run used (MLflow's dataset inputs), e.g. a dataset cut from the log.
import { invalidParameter } from './errors.js';
import type { MlflowHttp } from './http.js';
import { LIMITS } from './limits.js';
import type { Dataset, Tags } from './types.js';
import { toWireTags } from './wire.js';

export interface DatasetInputInput {
  dataset: Dataset;
  /** E.g. `{ 'mlflow.data.context': 'training' }`. */
  tags?: Tags;
}

const toWire = ({ dataset, tags }: DatasetInputInput) => {
  // MLflow keeps one dataset per (experiment, name, digest), and its digest column is 36 wide.
  if (dataset.digest.length > 36) {
    throw invalidParameter(`dataset '${dataset.name}': digest longer than 36 characters`);
  }
  return {
    tags: toWireTags(tags),
    dataset: {
      name: dataset.name,
      digest: dataset.digest,
      source_type: dataset.sourceType,
      source: dataset.source,
      schema: dataset.schema,
      profile: dataset.profile,
    },
  };
};

/**
 * Links datasets to a run. Idempotent: logging the same (name, digest) again changes nothing;
 * MLflow keeps the first source, schema and profile recorded for a (name, digest) in an experiment.
 */
export const logInputs = async (
  http: MlflowHttp,
  { runId, datasets }: { runId: string; datasets: readonly DatasetInputInput[] },
): Promise<void> => {
  const wire = datasets.map(toWire);
  for (let i = 0; i < wire.length; i += LIMITS.datasetsPerBatch) {
    const chunk = wire.slice(i, i + LIMITS.datasetsPerBatch);
    await logChunk(http, runId, chunk);
  }
};

/**
 * MLflow inserts a new (name, digest) without a lock: two runs logging the same dataset at
 * once (two pipelines on one view and cut) race, and the loser gets a unique-constraint error.
 * The winner's row is there by then, so a second try links to it.
 */
const RACED = /UNIQUE constraint failed: datasets\.|duplicate key value violates unique constraint/;

const logChunk = async (http: MlflowHttp, runId: string, chunk: unknown[]): Promise<void> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await http.call('POST', 'runs/log-inputs', { run_id: runId, datasets: chunk });
      return;
    } catch (error) {
      if (attempt >= 3 || !RACED.test((error as Error).message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
};
