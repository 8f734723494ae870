// The labelled rows of a dataset's Parquet file, split as the dataset split them: the train rows
// to fit on, the validation rows to select on, the test rows to decide on (purged, immature and
// unlabelled rows are left out), each in commit order, as the row-major sets trainers take.
import type { Position } from '../../eventstore/index.js';
import type { DatasetManifest } from '../../ml/datasetManifest.js';
import type { FeatureValue } from '../../ml/featureView.js';
import { literal, openDuckDb, quoted } from '../datasets/parquet.js';

export interface LabelledSet {
  featureNames: string[];
  rows: FeatureValue[][];
  labels: (0 | 1)[];
  /** Business time of each row's observation. */
  observedAt: number[];
  /** Log position of each row's observation: what tells which rows a model trained on. */
  positions: Position[];
}

export type ReadableSplit = 'train' | 'validation' | 'test';

const readSplit = async (
  db: Awaited<ReturnType<typeof openDuckDb>>,
  file: string,
  featureNames: string[],
  split: ReadableSplit,
): Promise<LabelledSet> => {
  const set: LabelledSet = { featureNames, rows: [], labels: [], observedAt: [], positions: [] };
  const result = await db.connection.stream(
    `select ${featureNames.map(quoted).join(', ')}, label, observed_at, transaction_id,
            global_position
       from read_parquet(${literal(file)})
      where split = '${split}' and label is not null
      order by transaction_id, global_position, entity_id`,
  );
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const values of chunk.getRows()) {
      set.rows.push(values.slice(0, featureNames.length) as FeatureValue[]);
      set.labels.push(Number(values[featureNames.length]) as 0 | 1);
      set.observedAt.push(Number(values[featureNames.length + 1]));
      set.positions.push({
        transactionId: Number(values[featureNames.length + 2]),
        globalPosition: Number(values[featureNames.length + 3]),
      });
    }
  }
  return set;
};

/** The labelled rows of the given splits, each read in one pass over the file. */
export const readDatasetSplits = async <Split extends ReadableSplit>(
  manifest: DatasetManifest,
  parquetFile: string,
  tempDir: string,
  splits: readonly Split[],
): Promise<Record<Split, LabelledSet>> => {
  const featureNames = manifest.columns.filter((c) => c.role === 'feature').map((c) => c.name);
  const db = await openDuckDb(tempDir);
  try {
    const sets = {} as Record<Split, LabelledSet>;
    for (const split of splits) sets[split] = await readSplit(db, parquetFile, featureNames, split);
    return sets;
  } finally {
    db.close();
  }
};
