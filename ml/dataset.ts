// A dataset's rows in canonical form and its digest, its split by time, its label balance.
import { createHash } from 'node:crypto';
import { comparePositions, type Position } from '../eventstore/types.js';
import { FeatureViewError } from './errors.js';
import type { FeatureRow, FeatureValue, Features } from './featureView.js';

/** What places a row among the observations. */
export type ObservationKey = Pick<FeatureRow, 'entityId' | 'position'>;
/** What places a row in the canonical order. */
export type RowKey = ObservationKey & Pick<FeatureRow, 'labelPosition'>;

/** An outcome's position, or none yet (after every position). */
const compareLabelPositions = (a: Position | null, b: Position | null): number =>
  a === null ? (b === null ? 0 : 1) : b === null ? -1 : comparePositions(a, b);

/** Log order of the observations, then entity id: each row's place among the observations. */
export const compareObservations = (a: ObservationKey, b: ObservationKey): number =>
  comparePositions(a.position, b.position) ||
  (a.entityId < b.entityId ? -1 : a.entityId > b.entityId ? 1 : 0);

/**
 * The canonical order of rows: the order in which they became final. Labelled rows by the log
 * position of their outcome, then rows still waiting for one; within each, log order of the
 * observations, then entity id. It is the order a feature run emits rows in, and it makes a
 * later dataset of the same view the earlier one's labelled rows followed by what is new.
 */
export const compareRows = (a: RowKey, b: RowKey): number =>
  compareLabelPositions(a.labelPosition, b.labelPosition) || compareObservations(a, b);

/** A dataset's columns, in order: the row's identity, the features, then the outcome. */
export const datasetColumns = (featureNames: readonly string[]): string[] => [
  'entity_id',
  'observed_at',
  'transaction_id',
  'global_position',
  ...featureNames,
  'label',
  'label_transaction_id',
  'label_global_position',
  'labelled_at',
];

const canonicalValue = (value: FeatureValue): string => {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new FeatureViewError('INVALID_OBSERVATION', `${value} has no canonical form`);
    }
    // ECMAScript's shortest round-trip decimal form is exactly specified; -0 counts as 0.
    return value === 0 ? '0' : String(value);
  }
  return JSON.stringify(value);
};

/**
 * One row as a line of JSON text, its values in the order of `datasetColumns`: strings as
 * JSON strings, numbers in their shortest round-trip decimal form, missing outcomes as null.
 */
export const canonicalRow = (featureNames: readonly string[], row: FeatureRow): string => {
  const values: FeatureValue[] = [
    row.entityId,
    row.observedAt,
    row.position.transactionId,
    row.position.globalPosition,
  ];
  for (const name of featureNames) {
    const value = row.features[name];
    if (value === undefined) {
      throw new FeatureViewError(
        'INVALID_OBSERVATION',
        `row of '${row.entityId}' has no feature '${name}'`,
      );
    }
    values.push(value);
  }
  values.push(
    row.label,
    row.labelPosition?.transactionId ?? null,
    row.labelPosition?.globalPosition ?? null,
    row.labelledAt,
  );
  return `[${values.map(canonicalValue).join(',')}]`;
};

/**
 * sha256 hex of an observation's features alone, as a canonical JSON array in the order of
 * `featureNames`: what a prediction records of the features it scored.
 */
export const featuresDigest = (featureNames: readonly string[], features: Features): string =>
  createHash('sha256')
    .update(`[${featureNames.map((name) => canonicalValue(features[name] ?? null)).join(',')}]`)
    .digest('hex');

/** The first thing the digest hashes: the columns as a JSON array, and a newline. */
export const datasetHeaderLine = (featureNames: readonly string[]): string =>
  `${JSON.stringify(datasetColumns(featureNames))}\n`;

/**
 * Every dataset file (batch or published) carries each row's `rowSha256` in this column, so
 * the digest can be taken, and an incremental build can keep earlier rows, without rebuilding
 * their canonical lines.
 */
export const ROW_HASH_COLUMN = 'row_sha256';

/** sha256 of a row's canonical line (without its newline): what the dataset digest is made of. */
export const rowSha256 = (featureNames: readonly string[], row: FeatureRow): Buffer =>
  createHash('sha256').update(canonicalRow(featureNames, row)).digest();

export interface DatasetDigest {
  /** Adds the next row; rows must come in canonical order (`compareRows`), each once. */
  add: (row: FeatureRow) => void;
  /**
   * Adds the next row by its `rowSha256` alone, e.g. as read back from a sorted dataset file:
   * the caller vouches for the order, which this cannot check.
   */
  addRowHash: (rowHash: Uint8Array) => void;
  /** Adds the next rows by their 32-byte hashes laid end to end (one update, not one a row). */
  addRowHashes: (rowHashes: Uint8Array) => void;
  readonly rows: number;
  /** sha256 hex of the header and the rows added so far. */
  digest: () => string;
}

/**
 * A digest built row by row, for datasets too large to sort in memory. Because it takes each
 * row's own hash, a dataset that keeps most rows of an earlier one (an incremental build) can
 * take their hashes from the earlier file instead of rebuilding their canonical lines.
 */
export const createDatasetDigest = (featureNames: readonly string[]): DatasetDigest => {
  const hash = createHash('sha256').update(datasetHeaderLine(featureNames));
  let previous: RowKey | undefined;
  let rows = 0;
  const addRowHash = (rowHash: Uint8Array): void => {
    if (rowHash.length !== 32) {
      throw new FeatureViewError(
        'INVALID_OBSERVATION',
        `row ${rows} has a ${rowHash.length}-byte hash, not a sha256`,
      );
    }
    hash.update(rowHash);
    rows += 1;
  };
  const addRowHashes = (rowHashes: Uint8Array): void => {
    if (rowHashes.length % 32 !== 0) {
      throw new FeatureViewError(
        'INVALID_OBSERVATION',
        `rows from ${rows} have ${rowHashes.length} bytes of hashes, not a multiple of 32`,
      );
    }
    hash.update(rowHashes);
    rows += rowHashes.length / 32;
  };
  return {
    add: (row) => {
      if (previous && compareRows(previous, row) >= 0) {
        throw new FeatureViewError(
          'OUT_OF_ORDER',
          `row of '${row.entityId}' at (${row.position.transactionId}, ` +
            `${row.position.globalPosition}) is not after the previous row`,
        );
      }
      addRowHash(rowSha256(featureNames, row));
      previous = row;
    },
    addRowHash,
    addRowHashes,
    get rows() {
      return rows;
    },
    digest: () => hash.copy().digest('hex'),
  };
};

/**
 * The dataset's digest: sha256 hex over its header line (the columns as a JSON array and a
 * newline) followed by the 32-byte `rowSha256` of each row in canonical order. The rows' order
 * in the input does not matter; their content and the features' names do. The view's code is
 * not part of it, so a refactoring that yields the same rows keeps it.
 */
export const datasetDigest = (
  featureNames: readonly string[],
  rows: Iterable<FeatureRow>,
): string => {
  const digest = createDatasetDigest(featureNames);
  for (const row of [...rows].sort(compareRows)) digest.add(row);
  return digest.digest();
};

/** `purged`: a training row whose outcome became known only at or after the boundary. */
export type Split = 'train' | 'validation' | 'purged';

export interface TimeSplit {
  /**
   * Rows observed at or after this business time are validation, the others train; null for
   * no rows. Rows observed at the same time always fall on the same side.
   */
  boundary: number | null;
  /** The split of each input row, by index. */
  splits: Split[];
  train: number;
  validation: number;
  purged: number;
}

export interface SplitOptions {
  /**
   * Sets aside training rows labelled at or after the boundary: their outcomes come from the
   * validation period. Off by default.
   */
  purge?: boolean;
}

/**
 * Splits rows by observation time, never at random: about the latest `validationFraction`
 * of the rows validate, the earlier ones train, so every validation row comes after every
 * training row, as a model meets the future after its training.
 */
export const splitByTime = (
  rows: readonly FeatureRow[],
  validationFraction: number,
  { purge = false }: SplitOptions = {},
): TimeSplit => {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new FeatureViewError(
      'INVALID_ARGUMENT',
      `the validation fraction must be between 0 and 1, not ${validationFraction}`,
    );
  }
  if (rows.length === 0) return { boundary: null, splits: [], train: 0, validation: 0, purged: 0 };
  const times = rows.map((row) => row.observedAt).sort((a, b) => a - b);
  const validationRows = Math.max(1, Math.round(rows.length * validationFraction));
  const boundary = times[rows.length - validationRows] as number;
  const counts = { train: 0, validation: 0, purged: 0 };
  const splits = rows.map((row): Split => {
    const split: Split =
      row.observedAt >= boundary
        ? 'validation'
        : purge && row.labelledAt !== null && row.labelledAt >= boundary
          ? 'purged'
          : 'train';
    counts[split] += 1;
    return split;
  });
  return { boundary, splits, ...counts };
};

export interface LabelBalance {
  rows: number;
  labelled: number;
  unlabelled: number;
  positives: number;
  negatives: number;
  /** positives / labelled; null when nothing is labelled. */
  positiveRate: number | null;
}

export const labelBalance = (rows: Iterable<FeatureRow>): LabelBalance => {
  let total = 0;
  let positives = 0;
  let negatives = 0;
  for (const row of rows) {
    total += 1;
    if (row.label === 1) positives += 1;
    else if (row.label === 0) negatives += 1;
  }
  const labelled = positives + negatives;
  return {
    rows: total,
    labelled,
    unlabelled: total - labelled,
    positives,
    negatives,
    positiveRate: labelled === 0 ? null : positives / labelled,
  };
};
