// Turns typed feature rows into a numeric matrix: fitted on the training rows only, stored in
// the artifact as JSON, applied identically at scoring, so training and serving cannot drift.
//
// Columns, per feature in order (names for coefficients and importances in logs):
// - number  `f`: mean-imputed, then standardised ((x - mean) / std; std 0 leaves it centred),
//           and `f:missing` (1 when null) if the feature had nulls in training;
// - boolean `f`: 1 true, 0 false, and `f:missing` (1 when null, with `f` 0) if it had nulls;
//           a null at scoring without that column counts as the training rate of true;
// - string  `f=<category>` for the categories seen in training, at most MAX_CATEGORIES, most
//           frequent first (ties by name), then `f:other` (any other or unseen category), and
//           `f:missing` if it had nulls; a null at scoring without that column counts as other.
import type { FeatureType, FeatureValue } from '../featureView.js';
import { checkRows, checkSchema } from './trainingSet.js';

export const MAX_CATEGORIES = 20;

export type FeatureEncoding =
  | { feature: string; type: 'number'; mean: number; std: number; missing: boolean }
  | { feature: string; type: 'boolean'; trueRate: number; missing: boolean }
  | { feature: string; type: 'string'; categories: string[]; missing: boolean };

export type PreprocessingState = {
  /** One per feature, in the order of the feature names. */
  features: FeatureEncoding[];
};

export interface EncodedRows {
  columns: string[];
  /** Row-major, one value per column. */
  values: number[][];
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const fitNumber = (feature: string, values: (number | null)[]): FeatureEncoding => {
  const present = values.filter((value): value is number => value !== null);
  const count = present.length;
  let sum = 0;
  for (const value of present) sum += value;
  const mean = count === 0 ? 0 : sum / count;
  let squares = 0;
  for (const value of present) squares += (value - mean) * (value - mean);
  const std = count === 0 ? 0 : Math.sqrt(squares / count);
  return { feature, type: 'number', mean, std, missing: count < values.length };
};

const fitBoolean = (feature: string, values: (boolean | null)[]): FeatureEncoding => {
  const present = values.filter((value) => value !== null);
  const trues = present.filter((value) => value).length;
  return {
    feature,
    type: 'boolean',
    trueRate: present.length === 0 ? 0 : trues / present.length,
    missing: present.length < values.length,
  };
};

const fitString = (feature: string, values: (string | null)[]): FeatureEncoding => {
  const counts = new Map<string, number>();
  let nulls = 0;
  for (const value of values) {
    if (value === null) nulls += 1;
    else counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const categories = [...counts]
    .sort(([a, countA], [b, countB]) => countB - countA || compareText(a, b))
    .slice(0, MAX_CATEGORIES)
    .map(([category]) => category);
  return { feature, type: 'string', categories, missing: nulls > 0 };
};

/** Fits the encoding of each feature on these (training) rows. Deterministic. */
export const fitPreprocessing = (
  featureNames: readonly string[],
  featureTypes: Readonly<Record<string, FeatureType>>,
  rows: readonly (readonly FeatureValue[])[],
): PreprocessingState => {
  checkSchema('preprocessing', featureNames, featureTypes);
  checkRows('preprocessing', featureNames, featureTypes, rows);
  const features = featureNames.map((feature, f): FeatureEncoding => {
    const column = rows.map((row) => row[f] as FeatureValue);
    const type = featureTypes[feature] as FeatureType;
    if (type === 'number') return fitNumber(feature, column as (number | null)[]);
    if (type === 'boolean') return fitBoolean(feature, column as (boolean | null)[]);
    return fitString(feature, column as (string | null)[]);
  });
  return { features };
};

const columnsOf = (encoding: FeatureEncoding): string[] => {
  const { feature, missing } = encoding;
  const values =
    encoding.type === 'string'
      ? [...encoding.categories.map((category) => `${feature}=${category}`), `${feature}:other`]
      : [feature];
  return missing ? [...values, `${feature}:missing`] : values;
};

/** The expanded column names, in the order `applyPreprocessing` fills them. */
export const preprocessingColumns = (state: PreprocessingState): string[] =>
  state.features.flatMap(columnsOf);

/** Writes one feature's columns of one row at `out[at...]`; returns the next free index. */
const encodeValue = (
  encoding: FeatureEncoding,
  value: FeatureValue,
  out: number[],
  at: number,
): number => {
  let next = at;
  if (encoding.type === 'number') {
    const centred = (value === null ? encoding.mean : (value as number)) - encoding.mean;
    out[next++] = encoding.std > 0 ? centred / encoding.std : centred;
  } else if (encoding.type === 'boolean') {
    out[next++] = value === null ? (encoding.missing ? 0 : encoding.trueRate) : value ? 1 : 0;
  } else {
    const index = value === null ? -1 : encoding.categories.indexOf(value as string);
    const other = index === -1 && (value !== null || !encoding.missing);
    for (let c = 0; c < encoding.categories.length; c += 1) out[next++] = c === index ? 1 : 0;
    out[next++] = other ? 1 : 0;
  }
  if (encoding.missing) out[next++] = value === null ? 1 : 0;
  return next;
};

/**
 * The rows as numbers with the fitted state: training statistics only, whatever the rows.
 * Rows are checked against the state's features and types first.
 */
export const applyPreprocessing = (
  state: PreprocessingState,
  rows: readonly (readonly FeatureValue[])[],
): EncodedRows => {
  const featureNames = state.features.map((encoding) => encoding.feature);
  const featureTypes = Object.fromEntries(
    state.features.map((encoding) => [encoding.feature, encoding.type]),
  );
  checkRows('rows', featureNames, featureTypes, rows);
  const columns = preprocessingColumns(state);
  const values = rows.map((row) => {
    const out = new Array<number>(columns.length);
    let at = 0;
    state.features.forEach((encoding, f) => {
      at = encodeValue(encoding, row[f] as FeatureValue, out, at);
    });
    return out;
  });
  return { columns, values };
};
