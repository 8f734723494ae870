// Turns the batch files of a dataset into its one Parquet file: rows in canonical order, a
// split column by observation time, and the digest over the rows' hashes, all without
// holding the rows in memory (DuckDB sorts them, spilling to disk when it must).
import { ROW_HASH_COLUMN, createDatasetDigest, type LabelBalance } from '../../ml/dataset.js';
import { FeatureViewError } from '../../ml/errors.js';
import {
  PARQUET_OPTIONS,
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
  /**
   * Started once the file is written, beside the digest's read-back, and awaited before the
   * result (e.g. the upload): it may run before the file's checks have passed.
   */
  afterWrite?: () => Promise<void>;
}

const ORDER = 'order by transaction_id, global_position, entity_id';
/** Row hashes joined into one value, and rows read back per query (bounding its memory). */
const HASH_BLOCK_ROWS = 2048;
const HASH_READ_ROWS = 1 << 20;

const asNumber = (value: unknown): number | null =>
  value === null ? null : typeof value === 'bigint' ? Number(value) : (value as number);

/** The first row whose key is not above its predecessor's, in the file's order; null if none. */
const firstMisplacedRow = async (
  db: DuckDb,
  file: string,
): Promise<{ entityId: string; transactionId: number; globalPosition: number } | null> => {
  // Its own connection: it runs beside the digest's read-back rather than after it.
  const connection = await db.connect();
  const [row] = (
    await connection.runAndReadAll(
      `select entity_id, transaction_id, global_position from (
         select entity_id, transaction_id, global_position,
                (transaction_id, global_position, entity_id) <=
                  lag((transaction_id, global_position, entity_id)) over (order by file_row_number)
                  as misplaced
           from read_parquet(${literal(file)}, file_row_number = true))
        where misplaced limit 1`,
    )
  ).getRows();
  return row
    ? { entityId: row[0] as string, transactionId: Number(row[1]), globalPosition: Number(row[2]) }
    : null;
};

const single = async (db: DuckDb, sql: string): Promise<unknown[]> => {
  const reader = await db.connection.runAndReadAll(sql);
  return reader.getRows()[0] ?? [];
};

export const assembleParquet = async (
  db: DuckDb,
  schema: DatasetSchema,
  { batchFiles, outFile, validationFraction, purge, baseFile, afterWrite }: AssembleOptions,
): Promise<AssembledDataset> => {
  const columns = [...datasetColumnTypes(schema).map((column) => quoted(column.name))];
  const fileColumns = [...columns, quoted(ROW_HASH_COLUMN)];
  const { connection } = db;
  // Typed by the batch files, which all have the schema's columns and types. The base's open
  // observations (label null) are not taken: the batches, resumed from its state, emit them.
  const base = baseFile
    ? ` union all select ${fileColumns.join(', ')} from read_parquet(${literal(baseFile)})
         where label is not null`
    : '';
  await connection.run(
    `create or replace temp view dataset_rows as
       select ${fileColumns.join(', ')} from ${parquetSource(batchFiles)}${base}`,
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
    `copy (select ${columns.join(', ')}, ${splitExpression} as split, ${quoted(ROW_HASH_COLUMN)}
            from dataset_rows ${ORDER})
       to ${literal(outFile)} (${PARQUET_OPTIONS}, row_group_size 100000)`,
  );
  const sideWork = afterWrite?.() ?? Promise.resolve();
  // Surfaced below, after the read-back; meanwhile a failure must not go unhandled.
  sideWork.catch(() => undefined);
  const [train, validation, purged] = await single(
    db,
    `select count(*) filter (where split = 'train'), count(*) filter (where split = 'validation'),
            count(*) filter (where split = 'purged') from read_parquet(${literal(outFile)})`,
  );

  // No row twice and none out of canonical order, checked on the written file: an incremental
  // build that both kept a base row and emitted it again would show here.
  const misplaced = firstMisplacedRow(db, outFile);
  // The digest reads the written file's row hashes back, in file order, which is canonical
  // order (the rows' hashes came with them from the batches, or from the base's file); the
  // manifest's file sha256 covers the rest of the bytes.
  const digest = createDatasetDigest(schema.featureNames);
  for (let from = 0; from < rows; from += HASH_READ_ROWS) {
    // DuckDB joins each block's hashes into one hex text: one value per block crosses into
    // JavaScript rather than one per row.
    const result = await connection.stream(
      `select string_agg(hex(${quoted(ROW_HASH_COLUMN)}), '' order by file_row_number)
         from read_parquet(${literal(outFile)}, file_row_number = true)
        where file_row_number >= ${from} and file_row_number < ${from + HASH_READ_ROWS}
        group by file_row_number // ${HASH_BLOCK_ROWS}
        order by file_row_number // ${HASH_BLOCK_ROWS}`,
    );
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const blocks = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i += 1) {
        digest.addRowHashes(Buffer.from(String(blocks.getItem(i)), 'hex'));
      }
    }
  }
  if (digest.rows !== rows) {
    throw new Error(`${outFile} gave ${digest.rows} row hashes for its ${rows} rows`);
  }
  const wrong = await misplaced;
  await sideWork;
  if (wrong) {
    throw new FeatureViewError(
      'OUT_OF_ORDER',
      `row of '${wrong.entityId}' at (${wrong.transactionId}, ${wrong.globalPosition}) is ` +
        'not after the previous row: a row was written twice or out of order',
    );
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
