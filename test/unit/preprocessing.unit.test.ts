// Unit tests of the trainers' preprocessing: imputation, indicators, standardisation, one-hot
// encoding, and that scoring uses the training statistics only.
import { expectInvalid } from '../support/classifier.js';
import { describe, expect, it } from 'vitest';
import type { FeatureType, FeatureValue } from '../../ml/featureView.js';
import {
  MAX_CATEGORIES,
  applyPreprocessing,
  fitPreprocessing,
  preprocessingColumns,
} from '../../ml/trainers/preprocessing.js';

type Rows = (readonly FeatureValue[])[];

/** Fits on `train` and applies to `score` (the training rows by default). */
const encode = (
  types: Record<string, FeatureType>,
  train: Rows,
  score: Rows = train,
): { columns: string[]; values: number[][] } => {
  const state = fitPreprocessing(Object.keys(types), types, train);
  return applyPreprocessing(state, score);
};

const column = (values: number[][], index: number): number[] => values.map((row) => row[index]!);

describe('numbers', () => {
  it('imputes the mean, standardises, and adds a missing indicator when nulls were seen', () => {
    // Present values 1, 3, 5: mean 3, population variance (4 + 0 + 4) / 3.
    const { columns, values } = encode({ x: 'number' }, [[1], [3], [null], [5]]);
    const std = Math.sqrt(8 / 3);
    expect(columns).toEqual(['x', 'x:missing']);
    expect(column(values, 0)).toEqual([-2 / std, 0, 0, 2 / std]);
    expect(column(values, 1)).toEqual([0, 0, 1, 0]);
  });

  it('adds no indicator when the training rows had no null', () => {
    const { columns, values } = encode({ x: 'number' }, [[2], [4]], [[2], [null], [8]]);
    expect(columns).toEqual(['x']);
    // Mean 3, std 1: a null at scoring is imputed with the mean, so 0.
    expect(values).toEqual([[-1], [0], [5]]);
  });

  it('leaves a constant feature centred rather than dividing by a zero std', () => {
    const { values } = encode({ x: 'number' }, [[4], [4], [4]], [[4], [6], [1.5]]);
    expect(values).toEqual([[0], [2], [-2.5]]);
  });

  it('uses the training statistics only: fit on A, apply to B', () => {
    // A: 0 and 10 (mean 5, std 5). B's own mean (30) and std must play no part.
    const state = fitPreprocessing(['x'], { x: 'number' }, [[0], [10]]);
    expect(state.features[0]).toEqual({
      feature: 'x',
      type: 'number',
      mean: 5,
      std: 5,
      missing: false,
    });
    expect(applyPreprocessing(state, [[20], [40], [null]]).values).toEqual([[3], [7], [0]]);
  });

  it('imputes 0 and marks every row missing when the feature was always null', () => {
    const { columns, values } = encode({ x: 'number' }, [[null], [null]], [[null], [7]]);
    expect(columns).toEqual(['x', 'x:missing']);
    expect(values).toEqual([
      [0, 1],
      [7, 0],
    ]);
  });
});

describe('booleans', () => {
  it('encodes 1/0, with a missing indicator (and 0) for nulls seen in training', () => {
    const { columns, values } = encode({ b: 'boolean' }, [[true], [false], [null]]);
    expect(columns).toEqual(['b', 'b:missing']);
    expect(values).toEqual([
      [1, 0],
      [0, 0],
      [0, 1],
    ]);
  });

  it('scores a null it never saw as the training rate of true', () => {
    const { columns, values } = encode(
      { b: 'boolean' },
      [[true], [true], [true], [false]],
      [[null], [false]],
    );
    expect(columns).toEqual(['b']);
    expect(values).toEqual([[0.75], [0]]);
  });
});

describe('strings', () => {
  it('one-hot encodes by frequency, ties by name, then other, then missing', () => {
    const train: Rows = [['b'], ['c'], ['a'], ['c'], ['a'], [null], ['b'], ['a']];
    const { columns, values } = encode({ s: 'string' }, train, [['a'], ['b'], ['c'], [null]]);
    // a ×3, then b and c ×2 each (b first by name).
    expect(columns).toEqual(['s=a', 's=b', 's=c', 's:other', 's:missing']);
    expect(values).toEqual([
      [1, 0, 0, 0, 0],
      [0, 1, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 0, 0, 1],
    ]);
  });

  it('sends unseen categories to other, and nulls there too when training had none', () => {
    const { columns, values } = encode({ s: 'string' }, [['x'], ['y']], [['z'], [null], ['y']]);
    expect(columns).toEqual(['s=x', 's=y', 's:other']);
    expect(values).toEqual([
      [0, 0, 1],
      [0, 0, 1],
      [0, 1, 0],
    ]);
  });

  it(`keeps the ${MAX_CATEGORIES} most frequent categories; the rest go to other`, () => {
    // c00 once, c01 twice, ... c24 25 times; c03 and x03 tie (4 each), x03 last by name.
    const train: Rows = [];
    for (let k = 0; k < 25; k += 1) {
      for (let i = 0; i <= k; i += 1) train.push([`c${String(k).padStart(2, '0')}`]);
    }
    for (let i = 0; i < 4; i += 1) train.push(['x03']);
    const { columns, values } = encode({ s: 'string' }, train, [['c05'], ['c04'], ['x03']]);
    const kept = Array.from({ length: 20 }, (_, i) => `s=c${String(24 - i).padStart(2, '0')}`);
    expect(kept.at(-1)).toBe('s=c05');
    expect(columns).toEqual([...kept, 's:other']);
    const other = columns.indexOf('s:other');
    expect(values[0]![columns.indexOf('s=c05')]).toBe(1);
    expect(values[1]![other]).toBe(1);
    expect(values[2]![other]).toBe(1);
    expect(values.map((row) => row.reduce((sum, value) => sum + value, 0))).toEqual([1, 1, 1]);
  });
});

describe('state', () => {
  const types: Record<string, FeatureType> = { n: 'number', b: 'boolean', s: 'string' };
  const rows: Rows = [
    [1.5, true, 'p'],
    [null, false, 'q'],
    [-2, null, null],
    [0.25, true, 'p'],
  ];

  it('is deterministic, JSON-safe and names columns in feature order', () => {
    const state = fitPreprocessing(Object.keys(types), types, rows);
    expect(JSON.stringify(fitPreprocessing(Object.keys(types), types, rows))).toBe(
      JSON.stringify(state),
    );
    const copy = JSON.parse(JSON.stringify(state)) as typeof state;
    expect(applyPreprocessing(copy, rows)).toEqual(applyPreprocessing(state, rows));
    expect(preprocessingColumns(state)).toEqual([
      'n',
      'n:missing',
      'b',
      'b:missing',
      's=p',
      's=q',
      's:other',
      's:missing',
    ]);
  });

  it('refuses rows of the wrong width or with a value of the wrong type', () => {
    expectInvalid(
      () => fitPreprocessing(Object.keys(types), types, [[1, true]]),
      'preprocessing: rows[0] has 2 values, expected 3 (one per feature)',
    );
    const state = fitPreprocessing(Object.keys(types), types, rows);
    expectInvalid(
      () => applyPreprocessing(state, [[1, 'yes', 'p']]),
      `rows: rows[0][1] (feature 'b') must be a boolean or null, got "yes"`,
    );
    expectInvalid(
      () => applyPreprocessing(state, [[Number.NaN, true, 'p']]),
      `rows: rows[0][0] (feature 'n') must be a finite number or null, got NaN`,
    );
  });
});
