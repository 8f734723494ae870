// Checks of what trainers are handed: a training set before fitting, rows before scoring.
// Each refusal names the offending row, feature and value, as INVALID_ARGUMENT.
import { applyPreprocessing, fitPreprocessing } from './preprocessing.js';
import { HindsightError } from '../../platform/errors.js';
import { FEATURE_TYPES, type FeatureType, type FeatureValue } from '../featureView.js';
import type { TrainingSet } from './types.js';

export const invalidArgument = (message: string): HindsightError =>
  new HindsightError('INVALID_ARGUMENT', message);

/** A value as messages show it: strings quoted, objects by kind. */
export const shown = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return String(value);
  }
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return typeof value;
};

/** The feature names and types are a schema: distinct names, each with a known type. */
export const checkSchema = (
  what: string,
  featureNames: readonly string[],
  featureTypes: Readonly<Record<string, FeatureType>>,
): void => {
  if (featureNames.length === 0) throw invalidArgument(`${what}: no features`);
  const seen = new Set<string>();
  for (const name of featureNames) {
    if (seen.has(name)) throw invalidArgument(`${what}: duplicate feature '${name}'`);
    seen.add(name);
    const type = Object.hasOwn(featureTypes, name) ? featureTypes[name] : undefined;
    if (type === undefined) throw invalidArgument(`${what}: feature '${name}' has no type`);
    if (!FEATURE_TYPES.includes(type)) {
      throw invalidArgument(
        `${what}: feature '${name}' has type ${shown(type)}, not number, string or boolean`,
      );
    }
  }
};

const fitsType = (value: FeatureValue, type: FeatureType): boolean =>
  value === null ||
  (type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === type);

/** Every row has one value per feature, of its feature's type (finite numbers) or null. */
export const checkRows = (
  what: string,
  featureNames: readonly string[],
  featureTypes: Readonly<Record<string, FeatureType>>,
  rows: readonly (readonly FeatureValue[])[],
): void => {
  const types = featureNames.map((name) => featureTypes[name] as FeatureType);
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== featureNames.length) {
      const got = Array.isArray(row) ? `${row.length} values` : shown(row);
      throw invalidArgument(
        `${what}: rows[${r}] has ${got}, expected ${featureNames.length} (one per feature)`,
      );
    }
    types.forEach((type, f) => {
      const value = row[f] as FeatureValue;
      if (!fitsType(value, type)) {
        const expected = type === 'number' ? 'a finite number' : `a ${type}`;
        throw invalidArgument(
          `${what}: rows[${r}][${f}] (feature '${featureNames[f]}') must be ${expected} or null, ` +
            `got ${shown(value)}`,
        );
      }
    });
  });
};

/** A set a trainer can fit: a schema, rows of it, and labels 0 and 1, both present. */
export const checkTrainingSet = (set: TrainingSet): void => {
  const what = 'training set';
  checkSchema(what, set.featureNames, set.featureTypes);
  if (set.rows.length === 0) throw invalidArgument(`${what}: no rows`);
  if (set.labels.length !== set.rows.length) {
    throw invalidArgument(
      `${what}: ${set.rows.length} rows but ${set.labels.length} labels (one per row)`,
    );
  }
  checkRows(what, set.featureNames, set.featureTypes, set.rows);
  let positives = 0;
  set.labels.forEach((label, r) => {
    if (label !== 0 && label !== 1) {
      throw invalidArgument(`${what}: labels[${r}] must be 0 or 1, got ${shown(label)}`);
    }
    positives += label;
  });
  if (positives === 0 || positives === set.labels.length) {
    throw invalidArgument(
      `${what}: one class only (every label is ${positives === 0 ? 0 : 1}); ` +
        'a classifier needs both',
    );
  }
};

/** Trainers take seeds that every pseudo-random generator here accepts: 32-bit unsigned. */
export const checkSeed = (seed: number): void => {
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw invalidArgument(`seed: must be an integer in [0, 4294967295], got ${shown(seed)}`);
  }
};

/**
 * What every trainer does first: checks the seed and the set, fits the preprocessing on the
 * training rows and applies it, giving the numeric matrix and its column names.
 */
export const prepareTraining = (set: TrainingSet, seed: number) => {
  checkSeed(seed);
  checkTrainingSet(set);
  const preprocessing = fitPreprocessing(set.featureNames, set.featureTypes, set.rows);
  return { preprocessing, ...applyPreprocessing(preprocessing, set.rows) };
};
