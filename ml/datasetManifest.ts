// The manifest that travels with a dataset's Parquet file: what it is (view, code, cut), what is
// in it (columns, rows, label balance, split, time range) and how to check it (digests).
import type { Position } from '../eventstore/index.js';
import type { LabelBalance, Split, SplitSpec } from './dataset.js';
import { ROW_HASH_COLUMN, datasetColumns } from './dataset.js';
import type { FeatureType } from './featureView.js';

/**
 * 4: split in commit order into train, validation and test windows, with label horizons, the
 * split part of the digest; 3: rows in the order they became final (see `compareRows`), split
 * by business time; 2 had them in observation order. Readers take all three; an incremental
 * dataset on a format 2 base sorts its rows.
 */
export const MANIFEST_FORMAT = 'hindsight.dataset/4';
export type ManifestFormat = typeof MANIFEST_FORMAT | 'hindsight.dataset/3' | 'hindsight.dataset/2';

/** Column types in MLflow's schema vocabulary (`mlflow_colspec`). */
export type ColumnType = 'string' | 'long' | 'double' | 'boolean' | 'integer' | 'binary';
/** `row-hash`: each row's sha256 (`rowSha256`), from which the dataset digest is built. */
export type ColumnRole = 'key' | 'feature' | 'label' | 'split' | 'row-hash';

export interface ManifestColumn {
  name: string;
  type: ColumnType;
  role: ColumnRole;
}

export interface DatasetManifest {
  format: ManifestFormat;
  /** sha256 hex over the header and the rows' sha256s in canonical order: equal digests, equal datasets. */
  digest: string;
  view: { name: string; version: number; codeHash: string };
  cut: { transactionId: number; takenAt: number | null };
  /** Events of the log below the cut that the view read. */
  events: number;
  /**
   * Of those, the events the view quarantined (upcasters failed, or its reducer threw) and went
   * on without; `hindsight events quarantine` lists them. Absent in manifests written before.
   */
  quarantined?: number;
  rows: number;
  labelBalance: LabelBalance;
  /** How the rows were split (see `splitDataset`), and how many fell in each part. */
  split: SplitSpec & {
    column: 'split';
    /** The clock the windows follow: the log's commit order. */
    order: 'commit';
    /** The first position of the validation window; null when no row is usable. */
    validationFrom: Position | null;
    /** The first position of the test window; null without test rows. */
    testFrom: Position | null;
  } & Record<Split, number>;
  columns: ManifestColumn[];
  /** Business time of the first and the last observation. */
  observedFrom: number | null;
  observedUntil: number | null;
  file: { path: string; format: 'parquet'; bytes: number; sha256: string };
  generatedAt: number;
  lineage: { workflowId: string; runId: string; gitCommit: string };
}

const KEY_TYPES: Record<string, ColumnType> = {
  entity_id: 'string',
  observed_at: 'long',
  transaction_id: 'long',
  global_position: 'long',
};
const LABEL_TYPES: Record<string, ColumnType> = {
  label: 'integer',
  label_transaction_id: 'long',
  label_global_position: 'long',
  labelled_at: 'long',
};
const FEATURE_COLUMN_TYPES: Record<FeatureType, ColumnType> = {
  number: 'double',
  string: 'string',
  boolean: 'boolean',
};

/** The dataset file's columns, in order, with their types and roles. */
export const manifestColumns = (
  featureNames: readonly string[],
  featureTypes: Readonly<Record<string, FeatureType>>,
): ManifestColumn[] => [
  ...datasetColumns(featureNames).map((name): ManifestColumn => {
    const key = KEY_TYPES[name];
    if (key) return { name, type: key, role: 'key' };
    const label = LABEL_TYPES[name];
    if (label) return { name, type: label, role: 'label' };
    return { name, type: FEATURE_COLUMN_TYPES[featureTypes[name] ?? 'number'], role: 'feature' };
  }),
  { name: 'split', type: 'string', role: 'split' },
  { name: ROW_HASH_COLUMN, type: 'binary', role: 'row-hash' },
];

/** The schema as MLflow shows it for a dataset input. */
export const mlflowSchema = (columns: readonly ManifestColumn[]): string =>
  JSON.stringify({
    mlflow_colspec: columns.map(({ name, type }) => ({ name, type, required: false })),
  });

const FEATURE_TYPE_OF: Partial<Record<ColumnType, FeatureType>> = {
  double: 'number',
  string: 'string',
  boolean: 'boolean',
};

/** The feature types a dataset was written with, from its manifest's columns. */
export const manifestFeatureTypes = (
  columns: readonly ManifestColumn[],
): Record<string, FeatureType> =>
  Object.fromEntries(
    columns
      .filter((c) => c.role === 'feature')
      .map((c) => [c.name, FEATURE_TYPE_OF[c.type] ?? 'number']),
  );
