// Dataset rows in Parquet, written and read by DuckDB. The schema comes from the view's
// declared feature types, never from the values, so every batch file has the same columns and
// the same types, and a column that happens to be all null in one batch stays typed.
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { ROW_HASH_COLUMN, datasetColumns, rowSha256 } from '../../ml/dataset.js';
import type { FeatureRow, FeatureType, FeatureValue } from '../../ml/featureView.js';

export interface DatasetSchema {
  featureNames: readonly string[];
  featureTypes: Readonly<Record<string, FeatureType>>;
}

type ColumnType = 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'TINYINT';

const SQL_TYPE: Record<FeatureType, ColumnType> = {
  number: 'DOUBLE',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
};

/** Every column of a dataset with its SQL type, in the order of `datasetColumns`. */
export const datasetColumnTypes = ({ featureNames, featureTypes }: DatasetSchema) => {
  const fixed: Record<string, ColumnType> = {
    entity_id: 'VARCHAR',
    observed_at: 'BIGINT',
    transaction_id: 'BIGINT',
    global_position: 'BIGINT',
    label: 'TINYINT',
    label_transaction_id: 'BIGINT',
    label_global_position: 'BIGINT',
    labelled_at: 'BIGINT',
  };
  return datasetColumns(featureNames).map((name) => ({
    name,
    type: fixed[name] ?? SQL_TYPE[featureTypes[name] ?? 'number'],
  }));
};

/** The columns of a batch file: the dataset's, then the row hash (`ROW_HASH_COLUMN`). */
export const fileColumnTypes = (schema: DatasetSchema) => [
  ...datasetColumnTypes(schema),
  { name: ROW_HASH_COLUMN, type: 'BLOB' as const },
];

/** A column name as a SQL identifier; views' names are snake case, quoting keeps it exact. */
export const quoted = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A path as a SQL string literal. */
export const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export interface DuckDb {
  connection: DuckDBConnection;
  /** Another connection to the same database, for a query beside the main connection's. */
  connect: () => Promise<DuckDBConnection>;
  close: () => void;
}

/**
 * How dataset files are written: Parquet 2 pages and encodings (smaller, and cheaper to write
 * than version 1's), zstd-compressed.
 */
export const PARQUET_OPTIONS = 'format parquet, compression zstd, parquet_version v2';

/**
 * A private in-memory DuckDB with bounded memory: what does not fit spills to `tempDir`, so
 * sorting a large dataset costs disk, not RAM.
 */
export const openDuckDb = async (
  tempDir: string,
  { memoryLimit = '128MB', threads = 1 }: { memoryLimit?: string; threads?: number } = {},
): Promise<DuckDb> => {
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: memoryLimit,
    threads: String(threads),
    temp_directory: tempDir,
    // Scans keep the file's order: the digest reads the sorted file back without sorting again.
    preserve_insertion_order: 'true',
  });
  const connection = await instance.connect();
  const others: DuckDBConnection[] = [];
  return {
    connection,
    connect: async () => {
      const other = await instance.connect();
      others.push(other);
      return other;
    },
    close: () => {
      for (const other of others) other.closeSync();
      connection.closeSync();
      instance.closeSync();
    },
  };
};

const appendValue = (appender: DuckDBAppender, type: ColumnType, value: FeatureValue): void => {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (type) {
    case 'VARCHAR':
      appender.appendVarchar(value as string);
      return;
    case 'BIGINT':
      appender.appendBigInt(BigInt(value));
      return;
    case 'DOUBLE':
      appender.appendDouble(value as number);
      return;
    case 'BOOLEAN':
      appender.appendBoolean(value as boolean);
      return;
    case 'TINYINT':
      appender.appendTinyInt(value as number);
  }
};

const valuesOf = (featureNames: readonly string[], row: FeatureRow): FeatureValue[] => [
  row.entityId,
  row.observedAt,
  row.position.transactionId,
  row.position.globalPosition,
  ...featureNames.map((name) => row.features[name] ?? null),
  row.label,
  row.labelPosition?.transactionId ?? null,
  row.labelPosition?.globalPosition ?? null,
  row.labelledAt,
];

export interface RowWriter {
  /** Appends rows to the batch (into DuckDB's columnar memory, not held as objects). */
  add: (rows: readonly FeatureRow[]) => void;
  readonly rows: number;
  /** Writes the rows to a Parquet file and ends the writer. */
  finish: (filePath: string) => Promise<void>;
}

/** Collects a batch's rows, in any order, for one Parquet file with the dataset's schema. */
export const createRowWriter = async (db: DuckDb, schema: DatasetSchema): Promise<RowWriter> => {
  const columns = datasetColumnTypes(schema);
  const fileColumns = fileColumnTypes(schema);
  const types = columns.map((column) => column.type);
  const { connection } = db;
  await connection.run('drop table if exists batch_rows');
  await connection.run(
    `create table batch_rows (${fileColumns.map((c) => `${quoted(c.name)} ${c.type}`).join(', ')})`,
  );
  const appender = await connection.createAppender('batch_rows');
  let count = 0;
  return {
    add: (rows) => {
      for (const row of rows) {
        const values = valuesOf(schema.featureNames, row);
        for (let i = 0; i < types.length; i += 1) {
          appendValue(appender, types[i] as ColumnType, values[i] ?? null);
        }
        appender.appendBlob(rowSha256(schema.featureNames, row));
        appender.endRow();
      }
      count += rows.length;
    },
    get rows() {
      return count;
    },
    finish: async (filePath) => {
      try {
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      await connection.run(`copy batch_rows to ${literal(filePath)} (${PARQUET_OPTIONS})`);
      await connection.run('drop table batch_rows');
    },
  };
};

/** Writes rows, in any order, to a Parquet file with the dataset's schema. */
export const writeRowsToParquet = async (
  db: DuckDb,
  schema: DatasetSchema,
  rows: readonly FeatureRow[],
  filePath: string,
): Promise<void> => {
  const writer = await createRowWriter(db, schema);
  writer.add(rows);
  await writer.finish(filePath);
};

/** The rows of Parquet files as one relation, checked against the dataset's schema. */
export const parquetSource = (files: readonly string[]): string =>
  `read_parquet([${files.map(literal).join(', ')}])`;
