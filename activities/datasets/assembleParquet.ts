// Turns the batch files of a dataset into its one Parquet file: rows in canonical order, a
// split column by observation time, and the digest over the canonical rows, all without
// holding the rows in memory (DuckDB sorts them, spilling to disk when it must).
import { createDatasetDigest, type LabelBalance } from '../../ml/dataset.js';
import type { FeatureRow, FeatureValue } from '../../ml/featureView.js';
import {
  datasetColumnTypes,
  literal,
  parquetSource,
  quoted,
  type DatasetSchema,
  type DuckDb,
} from './parquet.js';

export interface SplitSummary {
  /** Rows observed at or after it are validation; null when the dataset has no rows. */
  boundary: number | null;
  validationFraction: number;
  purge: boolean;
  train: number;
  validation: number;
  purged: number;
}

export interface AssembledDataset {
  rows: number;
  /** sha256 hex over the header and the canonical rows (see `ml/dataset.ts`). */
  digest: string;
  split: SplitSummary;
  labelBalance: LabelBalance;
  /** Business time of the first and the last observation; null without rows. */
  observedFrom: number | null;
  observedUntil: number | null;
}

export interface AssembleOptions {
  batchFiles: readonly string[];
  outFile: string;
  /** The latest fraction of the rows, by observation time, that validates. */
  validationFraction: number;
  /** Marks training rows labelled at or after the boundary `purged` (see `splitByTime`). */
  purge: boolean;
  /** A published dataset built on: its labelled rows join the batches' rows. */
  baseFile?: string;
}

const ORDER = 'order by transaction_id, global_position, entity_id';

const asNumber = (value: unknown): number | null =>
  value === null ? null : typeof value === 'bigint' ? Number(value) : (value as number);

/** A row read back from DuckDB, in the shape the digest takes. */
const rowFrom = (featureNames: readonly string[], values: readonly unknown[]): FeatureRow => {
  const features: Record<string, FeatureValue> = {};
  featureNames.forEach((name, i) => {
    const value = values[4 + i];
    features[name] = typeof value === 'bigint' ? Number(value) : (value as FeatureValue);
  });
  const at = 4 + featureNames.length;
  const labelTransactionId = asNumber(values[at + 1]);
  return {
    entityId: values[0] as string,
    observedAt: asNumber(values[1]) as number,
    position: {
      transactionId: asNumber(values[2]) as number,
      globalPosition: asNumber(values[3]) as number,
    },
    features,
    label: asNumber(values[at]) as 0 | 1 | null,
    labelPosition:
      labelTransactionId === null
        ? null
        : { transactionId: labelTransactionId, globalPosition: asNumber(values[at + 2]) as number },
    labelledAt: asNumber(values[at + 3]),
  };
};

const single = async (db: DuckDb, sql: string): Promise<unknown[]> => {
  const reader = await db.connection.runAndReadAll(sql);
  return reader.getRows()[0] ?? [];
};

export const assembleParquet = async (
  db: DuckDb,
  schema: DatasetSchema,
  { batchFiles, outFile, validationFraction, purge, baseFile }: AssembleOptions,
): Promise<AssembledDataset> => {
  const columns = datasetColumnTypes(schema).map((column) => quoted(column.name));
  const { connection } = db;
  // Typed by the batch files, which all have the schema's columns and types. The base's open
  // observations (label null) are not taken: the batches, resumed from its state, emit them.
  const base = baseFile
    ? ` union all select ${columns.join(', ')} from read_parquet(${literal(baseFile)})
         where label is not null`
    : '';
  await connection.run(
    `create or replace temp view dataset_rows as
       select ${columns.join(', ')} from ${parquetSource(batchFiles)}${base}`,
  );
  const [count, positives, negatives, from, until] = await single(
    db,
    `select count(*), count(*) filter (where label = 1), count(*) filter (where label = 0),
            min(observed_at), max(observed_at) from dataset_rows`,
  );
  const rows = asNumber(count) ?? 0;
  // The same boundary as `splitByTime`: the observation time of the first validation row.
  const validationRows = Math.max(1, Math.round(rows * validationFraction));
  const boundary =
    rows === 0
      ? null
      : asNumber(
          (
            await single(
              db,
              `select observed_at from dataset_rows order by observed_at
                limit 1 offset ${rows - validationRows}`,
            )
          )[0],
        );
  const splitExpression =
    boundary === null
      ? `'train'`
      : `case when observed_at >= ${boundary} then 'validation'
              ${purge ? `when labelled_at is not null and labelled_at >= ${boundary} then 'purged'` : ''}
              else 'train' end`;
  await connection.run(
    `copy (select ${columns.join(', ')}, ${splitExpression} as split from dataset_rows ${ORDER})
       to ${literal(outFile)} (format parquet, compression zstd, row_group_size 100000)`,
  );
  const [train, validation, purged] = await single(
    db,
    `select count(*) filter (where split = 'train'), count(*) filter (where split = 'validation'),
            count(*) filter (where split = 'purged') from read_parquet(${literal(outFile)})`,
  );

  // The digest reads the written file back, so it vouches for the bytes that were uploaded.
  const digest = createDatasetDigest(schema.featureNames);
  // In file order, which is canonical order; `add` refuses a row out of it.
  const result = await connection.stream(
    `select ${columns.join(', ')} from read_parquet(${literal(outFile)})`,
  );
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const values of chunk.getRows()) digest.add(rowFrom(schema.featureNames, values));
  }
  const labelled = (asNumber(positives) ?? 0) + (asNumber(negatives) ?? 0);
  return {
    rows,
    digest: digest.digest(),
    split: {
      boundary,
      validationFraction,
      purge,
      train: asNumber(train) ?? 0,
      validation: asNumber(validation) ?? 0,
      purged: asNumber(purged) ?? 0,
    },
    labelBalance: {
      rows,
      labelled,
      unlabelled: rows - labelled,
      positives: asNumber(positives) ?? 0,
      negatives: asNumber(negatives) ?? 0,
      positiveRate: labelled === 0 ? null : (asNumber(positives) ?? 0) / labelled,
    },
    observedFrom: asNumber(from),
    observedUntil: asNumber(until),
  };
};
