// A dataset's rows in canonical form and its digest, its split by time, its label balance.
import { createHash } from 'node:crypto';
import { comparePositions, type Position } from '../eventstore/index.js';
import { FeatureViewError } from './errors.js';
import { HindsightError } from '../platform/errors.js';
import type { FeatureRow, FeatureValue, Features, LabelHorizon } from './featureView.js';

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
  /**
   * sha256 hex of the header and the rows added so far, then the split's line when given: a
   * published dataset's digest always has it (see `splitSpecLine`).
   */
  digest: (split?: DigestedSplit) => string;
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
    digest: (split) => {
      const copy = hash.copy();
      if (split) copy.update(splitSpecLine(split.spec, split.splits));
      return copy.digest('hex');
    },
  };
};

/**
 * The dataset's digest: sha256 hex over its header line (the columns as a JSON array and a
 * newline) followed by the 32-byte `rowSha256` of each row in canonical order, then, given a
 * split, its line (`splitSpecLine`). The rows' order in the input does not matter; their content,
 * the features' names and the split do. The view's code is not part of it, so a refactoring that
 * yields the same rows keeps it.
 */
export const datasetDigest = (
  featureNames: readonly string[],
  rows: Iterable<FeatureRow>,
  split?: SplitSpec,
): string => {
  const digest = createDatasetDigest(featureNames);
  const sorted = [...rows].sort(compareRows);
  for (const row of sorted) digest.add(row);
  return digest.digest(
    split && { spec: split, splits: splitsSha256(splitDataset(sorted, split).splits) },
  );
};

/**
 * A row's part of a dataset. Rows are split in the log's commit order, the order the features
 * see: `train`, then `validation`, then `test`, each window after the previous one.
 * `purged`: a train (validation) row whose outcome came only at or after the validation
 * (test) window began. `immature`: a row whose label horizon had not passed at the cut
 * (see `LabelHorizon`). `unlabelled`: a row of a view without a horizon, still waiting.
 */
export type Split = 'train' | 'validation' | 'test' | 'purged' | 'immature' | 'unlabelled';
export const SPLITS: readonly Split[] = [
  'train',
  'validation',
  'test',
  'purged',
  'immature',
  'unlabelled',
];

/** What decides a dataset's split besides its rows: part of the dataset's identity and digest. */
export interface SplitSpec {
  /** The share of the usable rows (labelled and mature) in the validation window, in (0, 1). */
  validationFraction: number;
  /** The share of the usable rows in the test window, after the validation window; [0, 1). */
  testFraction: number;
  /** Sets aside rows whose outcome came from a later window (see `Split`). */
  purge: boolean;
  /** The view's horizon; null when it has none. */
  labelHorizon: LabelHorizon | null;
  /** The log's clock at the cut (see `FeatureRun.clock`): what has matured. */
  clock: number | null;
}

export const checkSplitSpec = (spec: Pick<SplitSpec, 'validationFraction' | 'testFraction'>) => {
  const { validationFraction, testFraction } = spec;
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new HindsightError(
      'INVALID_ARGUMENT',
      `the validation fraction must be between 0 and 1, not ${validationFraction}`,
    );
  }
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new HindsightError(
      'INVALID_ARGUMENT',
      `the test fraction must be at least 0 and below 1, not ${testFraction}`,
    );
  }
  if (!(validationFraction + testFraction < 1)) {
    throw new HindsightError(
      'INVALID_ARGUMENT',
      `the validation and test fractions (${validationFraction} + ${testFraction}) must leave ` +
        'rows to train on',
    );
  }
};

/** A split as the digest takes it: its parameters and the sha256 of its `split` column. */
export interface DigestedSplit {
  spec: SplitSpec;
  /** `splitsSha256` of the rows' splits in canonical order. */
  splits: string;
}

/** sha256 hex of each row's split, in the rows' canonical order, one name and a newline each. */
export const splitsSha256 = (splits: Iterable<string>): string => {
  const hash = createHash('sha256');
  for (const split of splits) hash.update(`${split}\n`);
  return hash.digest('hex');
};

/**
 * The line the digest ends with: the split's parameters and the hash of every row's split, so
 * that the same rows split another way are another dataset. The log's clock is not in it: a
 * clock that moved without maturing a row (or moving a window) leaves the dataset the same.
 */
export const splitSpecLine = (spec: SplitSpec, splits: string): string =>
  `${JSON.stringify({
    split: {
      order: 'commit',
      validationFraction: spec.validationFraction,
      testFraction: spec.testFraction,
      purge: spec.purge,
      // Built field by field: the line does not depend on the order a caller wrote them in.
      labelHorizon: spec.labelHorizon && {
        within: spec.labelHorizon.within,
        otherwise: spec.labelHorizon.otherwise,
      },
      splits,
    },
  })}\n`;

/** Whether a labelled row's horizon had passed at the clock; always true without a horizon. */
export const isMature = (
  observedAt: number,
  horizon: LabelHorizon | null,
  clock: number | null,
): boolean => horizon === null || (clock !== null && observedAt + horizon.within < clock);

export interface DatasetSplit {
  /** The first position of the validation window; null when no row is usable. */
  validationFrom: Position | null;
  /** The first position of the test window; null without test rows. */
  testFrom: Position | null;
  /** The split of each input row, by index. */
  splits: Split[];
  counts: Record<Split, number>;
}

/**
 * How many usable rows go to the validation and test windows: at least one each (the test
 * window only with a fraction above 0), counted from the newest.
 */
export const windowSizes = (
  usable: number,
  { validationFraction, testFraction }: Pick<SplitSpec, 'validationFraction' | 'testFraction'>,
): { validation: number; test: number } => {
  if (usable === 0) return { validation: 0, test: 0 };
  const test =
    testFraction > 0 ? Math.min(usable, Math.max(1, Math.round(usable * testFraction))) : 0;
  const validation = Math.min(usable - test, Math.max(1, Math.round(usable * validationFraction)));
  return { validation, test };
};

/**
 * Splits rows in commit order, never at random and never by business time: of the usable rows
 * (labelled and, with a horizon, mature at the clock) the newest `testFraction` are the test
 * window, the `validationFraction` before them validation, the earlier ones train. A window
 * begins at a row's position, so rows observed at one event fall in one window, and a row's
 * features, which saw only events before its position, never saw one of a later window.
 */
export const splitDataset = (rows: readonly FeatureRow[], spec: SplitSpec): DatasetSplit => {
  checkSplitSpec(spec);
  const counts = Object.fromEntries(SPLITS.map((split) => [split, 0])) as Record<Split, number>;
  const usable = (row: FeatureRow): boolean =>
    row.label !== null && isMature(row.observedAt, spec.labelHorizon, spec.clock);
  const ordered = rows.filter(usable).sort(compareObservations);
  const sizes = windowSizes(ordered.length, spec);
  const at = (index: number): Position | null => ordered[index]?.position ?? null;
  const testFrom = sizes.test > 0 ? at(ordered.length - sizes.test) : null;
  // Rows tied at the test window's first position all go to test: the validation window
  // counts back from where the test window really starts.
  const testStart =
    testFrom === null
      ? ordered.length
      : ordered.findIndex((row) => comparePositions(row.position, testFrom) >= 0);
  const validationFrom = at(Math.max(0, testStart - sizes.validation));
  const from = (position: Position | null, boundary: Position | null): boolean =>
    boundary !== null && position !== null && comparePositions(position, boundary) >= 0;
  const splits = rows.map((row): Split => {
    const split: Split =
      row.label === null
        ? spec.labelHorizon
          ? 'immature'
          : 'unlabelled'
        : !usable(row)
          ? 'immature'
          : from(row.position, testFrom)
            ? 'test'
            : from(row.position, validationFrom)
              ? spec.purge && from(row.labelPosition, testFrom)
                ? 'purged'
                : 'validation'
              : spec.purge && from(row.labelPosition, validationFrom)
                ? 'purged'
                : 'train';
    counts[split] += 1;
    return split;
  });
  return { validationFrom, testFrom, splits, counts };
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
