// Turns the batch files of a dataset into its one Parquet file: rows in canonical order, a
// split column in commit order (see `splitDataset`), and the digest over the rows' hashes, all without
// holding the rows in memory. The batches hold their rows in canonical order already (a feature
// run emits them so), one after another, so the file is written in one streaming pass; a check
// on the written file proves the order.
import type { DuckDBBlobVector, DuckDBConnection } from '@duckdb/node-api';
import {
  ROW_HASH_COLUMN,
  SPLITS,
  checkSplitSpec,
  createDatasetDigest,
  windowSizes,
  type DatasetDigest,
  type LabelBalance,
  type Split,
  type SplitSpec,
} from '../../ml/dataset.js';
import { createHash } from 'node:crypto';
import type { Position } from '../../eventstore/index.js';
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

/** The split as done (see `splitDataset`, which this does in SQL). */
export interface SplitSummary {
  /** The first position of the validation window; null when no row is usable. */
  validationFrom: Position | null;
  /** The first position of the test window; null without test rows. */
  testFrom: Position | null;
  counts: Record<Split, number>;
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
  /** How the rows are split (see `splitDataset`); part of the digest. */
  split: SplitSpec;
  /** A published dataset built on: its labelled rows come before the batches' rows. */
  baseFile?: string;
  /**
   * Sorts the rows instead of trusting the inputs' order: for a base published in an earlier
   * format, whose file has another order (DuckDB sorts, spilling to disk when it must).
   */
  sort?: boolean;
  /**
   * Started once the file is written, beside the digest's read-back, and awaited before the
   * result (e.g. the upload): it may run before the file's checks have passed.
   */
  afterWrite?: () => Promise<void>;
}

/** `compareRows` in SQL: outcome's position (none last), observation's position, entity id. */
const ORDER =
  'order by label_transaction_id nulls last, label_global_position nulls last, ' +
  'transaction_id, global_position, entity_id';
/** The same order as one comparable value per row. */
const ROW_KEY =
  '(label_transaction_id is null, coalesce(label_transaction_id, 0), ' +
  'coalesce(label_global_position, 0), transaction_id, global_position, entity_id)';

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
                ${ROW_KEY} <= lag(${ROW_KEY}) over (order by file_row_number) as misplaced
           from read_parquet(${literal(file)}, file_row_number = true))
        where misplaced limit 1`,
    )
  ).getRows();
  return row
    ? { entityId: row[0] as string, transactionId: Number(row[1]), globalPosition: Number(row[2]) }
    : null;
};

/** Adds the hashes a query returns (one blob column), chunk by chunk, to the digest. */
const addRowHashes = async (
  connection: DuckDBConnection,
  sql: string,
  digest: DatasetDigest,
): Promise<void> => {
  const result = await connection.stream(sql);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const hashes = chunk.getColumnVector(0) as DuckDBBlobVector;
    const block = Buffer.allocUnsafe(chunk.rowCount * 32);
    for (let i = 0; i < chunk.rowCount; i += 1) {
      const hash = hashes.getItemBytes(i);
      if (hash?.length !== 32) {
        throw new FeatureViewError(
          'INVALID_OBSERVATION',
          `row ${digest.rows + i} has ${hash ? `a ${hash.length}-byte` : 'no'} row hash`,
        );
      }
      block.set(hash, i * 32);
    }
    digest.addRowHashes(block);
  }
};

const single = async (db: DuckDb, sql: string): Promise<unknown[]> => {
  const reader = await db.connection.runAndReadAll(sql);
  return reader.getRows()[0] ?? [];
};

export const assembleParquet = async (
  db: DuckDb,
  schema: DatasetSchema,
  { batchFiles, outFile, split: spec, baseFile, sort, afterWrite }: AssembleOptions,
): Promise<AssembledDataset> => {
  checkSplitSpec(spec);
  const columns = [...datasetColumnTypes(schema).map((column) => quoted(column.name))];
  const fileColumns = [...columns, quoted(ROW_HASH_COLUMN)];
  const { connection } = db;
  // The base's labelled rows, then the batches' rows, each part in its files' order (`union
  // all`, `where` and a scan of a file list keep it). The base's open observations (label null)
  // are not taken: the batches, resumed from its state, emit them, labelled or still open.
  const base = baseFile
    ? `select ${fileColumns.join(', ')} from read_parquet(${literal(baseFile)})
        where label is not null union all `
    : '';
  const source = `(${base}select ${fileColumns.join(', ')} from ${parquetSource(batchFiles)})`;
  const [count, positives, negatives, from, until] = await single(
    db,
    `select count(*), count(*) filter (where label = 1), count(*) filter (where label = 0),
            min(observed_at), max(observed_at) from ${source}`,
  );
  const rows = asNumber(count) ?? 0;
  // The rows `splitDataset` calls usable: labelled and, with a horizon, mature at the clock.
  const horizon = spec.labelHorizon;
  const usable =
    horizon === null
      ? 'label is not null'
      : spec.clock === null
        ? 'false'
        : `label is not null and observed_at + ${horizon.within} < ${spec.clock}`;
  const [usableCount] = await single(db, `select count(*) from ${source} where ${usable}`);
  const sizes = windowSizes(asNumber(usableCount) ?? 0, spec);
  const usableTotal = asNumber(usableCount) ?? 0;
  const positionAt = async (offset: number): Promise<Position | null> => {
    if (offset < 0 || offset >= usableTotal) return null;
    const [transactionId, globalPosition] = await single(
      db,
      `select transaction_id, global_position from ${source} where ${usable}
        order by transaction_id, global_position, entity_id limit 1 offset ${offset}`,
    );
    return { transactionId: Number(transactionId), globalPosition: Number(globalPosition) };
  };
  const testFrom = sizes.test > 0 ? await positionAt(usableTotal - sizes.test) : null;
  const atOrAfter = (prefix: string, at: Position | null): string =>
    at === null
      ? 'false'
      : `(${prefix}transaction_id > ${at.transactionId} or (${prefix}transaction_id = ` +
        `${at.transactionId} and ${prefix}global_position >= ${at.globalPosition}))`;
  // Rows tied at the test window's first position all go to test: the validation window
  // counts back from where the test window really starts (as `splitDataset` does).
  const testStart =
    testFrom === null
      ? usableTotal
      : (asNumber(
          (
            await single(
              db,
              `select count(*) from ${source} where ${usable} and not ${atOrAfter('', testFrom)}`,
            )
          )[0],
        ) ?? 0);
  const validationFrom =
    usableTotal > 0 ? await positionAt(Math.max(0, testStart - sizes.validation)) : null;
  const purgedFrom = (at: Position | null): string =>
    spec.purge ? `label_transaction_id is not null and ${atOrAfter('label_', at)}` : 'false';
  const splitExpression = `case
      when label is null then '${horizon ? 'immature' : 'unlabelled'}'
      when not (${usable}) then 'immature'
      when ${atOrAfter('', testFrom)} then 'test'
      when ${atOrAfter('', validationFrom)} then
        case when ${purgedFrom(testFrom)} then 'purged' else 'validation' end
      when ${purgedFrom(validationFrom)} then 'purged'
      else 'train' end`;
  const copy = connection.run(
    `copy (select ${columns.join(', ')}, ${splitExpression} as split, ${quoted(ROW_HASH_COLUMN)}
            from ${source} ${sort ? ORDER : ''})
       to ${literal(outFile)} (${PARQUET_OPTIONS}, row_group_size 100000)`,
  );
  // The digest takes the rows' hashes in the order the file gets them: without a sort, the
  // inputs' own order, read beside the copy on another connection (the check of the written
  // file below proves that the copy kept it); after a sort, read back from the file.
  const digest = createDatasetDigest(schema.featureNames);
  const hashColumn = quoted(ROW_HASH_COLUMN);
  const hashed = sort
    ? copy.then(() =>
        addRowHashes(
          connection,
          `select ${hashColumn} from read_parquet(${literal(outFile)})`,
          digest,
        ),
      )
    : db
        .connect()
        .then((other) => addRowHashes(other, `select ${hashColumn} from ${source}`, digest));
  // Surfaced below, once the copy has ended; meanwhile a failure must not go unhandled.
  hashed.catch(() => undefined);
  try {
    await copy;
  } catch (error) {
    await hashed.catch(() => undefined);
    throw error;
  }
  // Each row's split, in the file's (canonical) order, for the digest (see `splitSpecLine`).
  const splitsHashed = (async () => {
    const reader = await db.connect();
    const hash = createHash('sha256');
    const result = await reader.stream(`select split from read_parquet(${literal(outFile)})`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const [split] of chunk.getRows()) hash.update(`${String(split)}\n`);
    }
    return hash.digest('hex');
  })();
  splitsHashed.catch(() => undefined);
  const sideWork = afterWrite?.() ?? Promise.resolve();
  sideWork.catch(() => undefined);
  const splitCounts = await single(
    db,
    `select ${SPLITS.map((split) => `count(*) filter (where split = '${split}')`).join(', ')}
       from read_parquet(${literal(outFile)})`,
  );
  // No row twice and none out of canonical order, checked on the written file: an incremental
  // build that both kept a base row and emitted it again would show here, and so would a copy
  // that did not keep its input's order (the keys are unique, so one order has them ascending).
  const misplaced = firstMisplacedRow(db, outFile);
  misplaced.catch(() => undefined);
  try {
    await hashed;
  } finally {
    await Promise.allSettled([misplaced, sideWork]);
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
    digest: digest.digest({ spec, splits: await splitsHashed }),
    split: {
      validationFrom,
      testFrom,
      counts: Object.fromEntries(
        SPLITS.map((split, i) => [split, asNumber(splitCounts[i]) ?? 0]),
      ) as Record<Split, number>,
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
