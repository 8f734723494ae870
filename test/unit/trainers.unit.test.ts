// Unit tests of the built-in trainers: determinism, artifacts that score alone after a JSON
// round trip, skill on the demo domain, logistic regression's numerics, and precise refusals.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectInvalid, pairCountingAuc } from '../support/classifier.js';
import { generateDemoLog } from '../../demo/demoLog.js';
import { createRandom } from '../../demo/random.js';
import { workOrderOverrunView } from '../../examples/work-orders/src/workOrderOverrunView.js';
import { splitDataset } from '../../ml/dataset.js';
import { runFeatureView } from '../../ml/featureRun.js';
import type { FeatureRow, FeatureValue, Label } from '../../ml/featureView.js';
import {
  logisticRegression,
  type LogisticRegressionModel,
} from '../../ml/trainers/logisticRegression.js';
import { randomForest } from '../../ml/trainers/randomForest.js';
import { TRAINERS, getTrainer, loadModel } from '../../ml/trainers/registry.js';
import type { ModelArtifact, Trainer, TrainingSet } from '../../ml/trainers/types.js';

const roundTrip = (artifact: ModelArtifact): ModelArtifact =>
  JSON.parse(JSON.stringify(artifact)) as ModelArtifact;

interface DemoData {
  train: TrainingSet;
  validation: { rows: FeatureValue[][]; labels: Label[] };
}

/** The demo domain's labelled rows, split by time: train on the earlier, validate on the later. */
const demoData = (): DemoData => {
  const view = workOrderOverrunView;
  const rows = runFeatureView(view, generateDemoLog({ workOrders: 1500, seed: 3 })).filter(
    (row) => row.label !== null,
  );
  const { splits } = splitDataset(rows, {
    validationFraction: 0.2,
    testFraction: 0,
    purge: false,
    labelHorizon: null,
    clock: null,
  });
  const values = (row: FeatureRow): FeatureValue[] =>
    view.featureNames.map((name) => row.features[name] ?? null);
  const part = (split: 'train' | 'validation'): FeatureRow[] =>
    rows.filter((_, i) => splits[i] === split);
  return {
    train: {
      featureNames: view.featureNames,
      featureTypes: view.featureTypes,
      rows: part('train').map(values),
      labels: part('train').map((row) => row.label as Label),
    },
    validation: {
      rows: part('validation').map(values),
      labels: part('validation').map((row) => row.label as Label),
    },
  };
};

const TRUE_MODEL = { intercept: 1.5, x1: 1.2, x2: -0.8, flag: 1.0 };

/** Rows drawn from a known logistic model: x1 ~ N(0, 1), x2 ~ N(3, 2), flag ~ Bernoulli(0.4). */
const syntheticSet = (n: number, seed: number): TrainingSet => {
  const random = createRandom(seed);
  const rows: FeatureValue[][] = [];
  const labels: Label[] = [];
  for (let i = 0; i < n; i += 1) {
    const [x1, x2, flag] = [random.normal(0, 1), random.normal(3, 2), random.chance(0.4)];
    const score =
      TRUE_MODEL.intercept +
      TRUE_MODEL.x1 * x1 +
      TRUE_MODEL.x2 * x2 +
      TRUE_MODEL.flag * (flag ? 1 : 0);
    rows.push([x1, x2, flag]);
    labels.push(random.chance(1 / (1 + Math.exp(-score))) ? 1 : 0);
  }
  return {
    featureNames: ['x1', 'x2', 'flag'],
    featureTypes: { x1: 'number', x2: 'number', flag: 'boolean' },
    rows,
    labels,
  };
};

/** A logistic regression's coefficients back on the features' own scales. */
const rawCoefficients = (artifact: ModelArtifact): Record<string, number> => {
  const model = artifact.model as LogisticRegressionModel;
  let intercept = model.intercept;
  const raw: Record<string, number> = {};
  for (const encoding of artifact.preprocessing.features) {
    const coefficient = model.coefficients[encoding.feature]!;
    if (encoding.type === 'number') {
      raw[encoding.feature] = coefficient / encoding.std;
      intercept -= (coefficient * encoding.mean) / encoding.std;
    } else {
      raw[encoding.feature] = coefficient;
    }
  }
  return { intercept, ...raw };
};

const coefficientNorm = (artifact: ModelArtifact): number =>
  Math.hypot(...Object.values((artifact.model as LogisticRegressionModel).coefficients));

let demo: DemoData;
beforeAll(() => {
  demo = demoData();
});

describe('the registry', () => {
  it('holds both trainers by name and refuses unknown names, listing the known ones', () => {
    expect([...TRAINERS.keys()]).toEqual(['logistic_regression', 'random_forest']);
    expect(getTrainer('random_forest')).toBe(randomForest);
    expectInvalid(
      () => getTrainer('xgboost'),
      'unknown trainer "xgboost" (known: logistic_regression, random_forest)',
    );
  });
});

describe('logistic regression', () => {
  const params = logisticRegression.parseParams({});

  it('fills in defaults', () => {
    expect(params).toEqual({ l2: 1, maxIterations: 50, tolerance: 1e-8 });
  });

  it('beats the base rate on the demo domain, deterministically, after a JSON round trip', () => {
    const first = logisticRegression.train(demo.train, params, 1);
    const second = logisticRegression.train(demo.train, params, 1);
    expect(JSON.stringify(second.artifact)).toBe(JSON.stringify(first.artifact));
    const scorer = loadModel(first.artifact);
    const predictions = scorer.predict(demo.validation.rows);
    expect(loadModel(roundTrip(first.artifact)).predict(demo.validation.rows)).toEqual(predictions);
    expect(loadModel(second.artifact).predict(demo.validation.rows)).toEqual(predictions);
    expect(predictions.every((p) => p >= 0 && p <= 1)).toBe(true);
    // Observed: 0.919 on 1 306 validation rows (5 222 training rows).
    expect(pairCountingAuc(demo.validation.labels, predictions)).toBeGreaterThanOrEqual(0.7);
    expect(first.artifact).toMatchObject({
      format: 'hindsight.model/1',
      trainer: 'logistic_regression',
      params,
      seed: 1,
      featureNames: workOrderOverrunView.featureNames,
      model: { converged: true },
    });
  });

  it('takes Newton steps that never raise the training log loss, to a zero gradient', () => {
    const { iterations, artifact } = logisticRegression.train(demo.train, params, 1);
    expect(iterations.length).toBeGreaterThan(2);
    expect(iterations.length).toBeLessThan(params.maxIterations);
    const positiveRate =
      demo.train.labels.filter((label) => label === 1).length / demo.train.labels.length;
    const baseLoss = -(
      positiveRate * Math.log(positiveRate) +
      (1 - positiveRate) * Math.log(1 - positiveRate)
    );
    let previous = baseLoss;
    iterations.forEach(({ step, metrics }, i) => {
      expect(step).toBe(i + 1);
      expect(metrics.log_loss).toBeLessThanOrEqual(previous);
      previous = metrics.log_loss!;
    });
    expect(iterations.at(-1)!.metrics.gradient_norm).toBeLessThanOrEqual(params.tolerance);
    expect((artifact.model as LogisticRegressionModel).converged).toBe(true);
  });

  it('recovers the coefficients of a known model', () => {
    const { artifact } = logisticRegression.train(
      syntheticSet(4000, 11),
      logisticRegression.parseParams({ l2: 0 }),
      0,
    );
    const raw = rawCoefficients(artifact);
    // Observed errors (seeded data): intercept 0.08, x1 0.05, x2 0.02, flag 0.05.
    expect(Math.abs(raw.intercept! - TRUE_MODEL.intercept)).toBeLessThan(0.15);
    expect(Math.abs(raw.x1! - TRUE_MODEL.x1)).toBeLessThan(0.1);
    expect(Math.abs(raw.x2! - TRUE_MODEL.x2)).toBeLessThan(0.1);
    expect(Math.abs(raw.flag! - TRUE_MODEL.flag)).toBeLessThan(0.15);
  });

  it('shrinks the coefficients as l2 grows', () => {
    const set = syntheticSet(1000, 5);
    const norms = [0, 10, 100, 1000, 10_000].map((l2) =>
      coefficientNorm(
        logisticRegression.train(set, logisticRegression.parseParams({ l2 }), 0).artifact,
      ),
    );
    norms.slice(1).forEach((norm, i) => expect(norm).toBeLessThan(norms[i]!));
    expect(norms.at(-1)).toBeLessThan(norms[0]! / 10);
  });

  it('leaves the intercept unpenalised: a huge l2 gives the base rate, not 1/2', () => {
    const set = syntheticSet(1000, 5);
    const positiveRate = set.labels.filter((label) => label === 1).length / set.labels.length;
    const { artifact } = logisticRegression.train(
      set,
      logisticRegression.parseParams({ l2: 1e12 }),
      0,
    );
    const model = artifact.model as LogisticRegressionModel;
    expect(coefficientNorm(artifact)).toBeLessThan(1e-6);
    expect(model.intercept).toBeCloseTo(Math.log(positiveRate / (1 - positiveRate)), 6);
    expect(loadModel(artifact).predict([[0, 3, true]])[0]).toBeCloseTo(positiveRate, 6);
  });

  it('refuses bad parameters, naming the field and the value', () => {
    const parse = (input: unknown) => () => logisticRegression.parseParams(input);
    expectInvalid(parse({ l2: -1 }), 'params.l2: must be a number ≥ 0, got -1');
    expectInvalid(parse({ l2: '1' }), 'params.l2: must be a number ≥ 0, got "1"');
    expectInvalid(
      parse({ maxIterations: 2.5 }),
      'params.maxIterations: must be an integer in [1, 10000], got 2.5',
    );
    expectInvalid(parse({ tolerance: 0 }), 'params.tolerance: must be a number > 0, got 0');
    expectInvalid(
      parse({ l2: 1, learningRate: 0.1 }),
      "params: unknown key 'learningRate' (known: l2, maxIterations, tolerance)",
    );
    expectInvalid(parse([1]), 'params: must be an object, got an array');
    expect(logisticRegression.parseParams(undefined)).toEqual(params);
  });

  it('refuses an artifact whose coefficients do not match its columns', () => {
    const { artifact } = logisticRegression.train(syntheticSet(200, 2), params, 0);
    const copy = roundTrip(artifact);
    delete (copy.model as LogisticRegressionModel).coefficients.x2;
    expectInvalid(
      () => loadModel(copy),
      "logistic_regression artifact: model.coefficients['x2'] must be a finite number",
    );
  });
});

describe('random forest', () => {
  // Small forests keep the file fast: ml-cart's split search is quadratic in the rows.
  const params = randomForest.parseParams({ trees: 20, maxSamples: 500 });

  it('fills in defaults', () => {
    expect(randomForest.parseParams({})).toEqual({
      trees: 100,
      maxDepth: 8,
      minNumSamples: 5,
      maxFeatures: 'sqrt',
      maxSamples: 1000,
    });
  });

  it('beats the base rate on the demo domain, the same for a seed, after a JSON round trip', () => {
    const first = randomForest.train(demo.train, params, 1);
    const second = randomForest.train(demo.train, params, 1);
    const json = JSON.stringify(first.artifact);
    expect(JSON.stringify(second.artifact)).toBe(json);
    expect(first.iterations).toEqual([]);
    const predictions = loadModel(first.artifact).predict(demo.validation.rows);
    expect(loadModel(roundTrip(first.artifact)).predict(demo.validation.rows)).toEqual(predictions);
    expect(loadModel(second.artifact).predict(demo.validation.rows)).toEqual(predictions);
    expect(predictions.every((p) => p >= 0 && p <= 1)).toBe(true);
    // Soft votes, not a share of hard votes: probabilities between the multiples of 1/trees.
    expect(predictions.some((p) => !Number.isInteger(p * params.trees))).toBe(true);
    // Observed: 0.848 (20 trees of 500 rows; 0.864 with the defaults).
    expect(pairCountingAuc(demo.validation.labels, predictions)).toBeGreaterThanOrEqual(0.7);

    const other = randomForest.train(demo.train, params, 2);
    expect(JSON.stringify(other.artifact)).not.toBe(json);
    expect(loadModel(other.artifact).predict(demo.validation.rows)).not.toEqual(predictions);
  });

  it('gives each tree √columns columns, or the share asked, at least one', () => {
    const set = syntheticSet(300, 4); // 3 columns: x1, x2, flag
    const columnsPerTree = (maxFeatures: 'sqrt' | number): number[] => {
      const { artifact } = randomForest.train(
        set,
        randomForest.parseParams({ trees: 3, maxFeatures }),
        9,
      );
      const model = artifact.model as { baseModel: { indexes: number[][] } };
      return model.baseModel.indexes.map((used) => new Set(used).size);
    };
    expect(columnsPerTree('sqrt')).toEqual([1, 1, 1]);
    expect(columnsPerTree(0.1)).toEqual([1, 1, 1]);
    expect(columnsPerTree(0.7)).toEqual([2, 2, 2]);
    expect(columnsPerTree(1)).toEqual([3, 3, 3]);
  });

  it('refuses bad parameters, naming the field and the value', () => {
    const parse = (input: unknown) => () => randomForest.parseParams(input);
    expectInvalid(parse({ trees: 0 }), 'params.trees: must be an integer in [1, 10000], got 0');
    expectInvalid(
      parse({ maxFeatures: 1.5 }),
      "params.maxFeatures: must be 'sqrt' or a number in (0, 1], got 1.5",
    );
    expectInvalid(
      parse({ maxFeatures: 'log2' }),
      `params.maxFeatures: must be 'sqrt' or a number in (0, 1], got "log2"`,
    );
    expectInvalid(
      parse({ minNumSamples: 0 }),
      'params.minNumSamples: must be an integer ≥ 1, got 0',
    );
    expectInvalid(
      parse({ minSamplesLeaf: 5 }),
      "params: unknown key 'minSamplesLeaf' (known: trees, maxDepth, minNumSamples, " +
        'maxFeatures, maxSamples)',
    );
  });

  it('refuses an artifact that is not a forest of its columns', () => {
    const { artifact } = randomForest.train(syntheticSet(100, 3), { ...params, trees: 2 }, 0);
    const copy = roundTrip(artifact);
    (copy.model as { baseModel: { indexes: number[][] } }).baseModel.indexes[0] = [7];
    expectInvalid(
      () => loadModel(copy),
      'random_forest artifact: model is not an ml-random-forest classifier of 3 columns',
    );
  });
});

describe('both trainers', () => {
  const set = syntheticSet(50, 1);
  const withRows = (rows: FeatureValue[][], labels: Label[]): TrainingSet => ({
    ...set,
    rows,
    labels,
  });
  const cases: [string, TrainingSet, string][] = [
    ['no rows', withRows([], []), 'training set: no rows'],
    [
      'one class',
      withRows(
        set.rows as FeatureValue[][],
        set.labels.map(() => 0),
      ),
      'training set: one class only (every label is 0); a classifier needs both',
    ],
    [
      'fewer labels',
      withRows(set.rows as FeatureValue[][], set.labels.slice(1)),
      'training set: 50 rows but 49 labels (one per row)',
    ],
    [
      'a ragged row',
      withRows(
        [
          [1, 2, true],
          [1, 2],
        ],
        [0, 1],
      ),
      'training set: rows[1] has 2 values, expected 3 (one per feature)',
    ],
    [
      'a value of the wrong type',
      withRows(
        [
          [1, 2, true],
          [1, 2, 'true'],
        ],
        [0, 1],
      ),
      `training set: rows[1][2] (feature 'flag') must be a boolean or null, got "true"`,
    ],
    [
      'an infinite number',
      withRows(
        [
          [1, Number.POSITIVE_INFINITY, true],
          [1, 2, false],
        ],
        [0, 1],
      ),
      `training set: rows[0][1] (feature 'x2') must be a finite number or null, got Infinity`,
    ],
    [
      'a label other than 0 or 1',
      withRows(
        [
          [1, 2, true],
          [1, 2, false],
        ],
        [0, 2 as Label],
      ),
      'training set: labels[1] must be 0 or 1, got 2',
    ],
    [
      'a feature without a type',
      { ...set, featureTypes: { x1: 'number', x2: 'number' } },
      "training set: feature 'flag' has no type",
    ],
  ];

  const trainers: [Trainer<unknown>, unknown][] = [
    [logisticRegression, logisticRegression.parseParams({})],
    [randomForest, randomForest.parseParams({ trees: 2 })],
  ];
  for (const [trainer, params] of trainers) {
    it.each(cases)(`${trainer.name} refuses a training set with %s`, (_, badSet, message) => {
      expectInvalid(() => trainer.train(badSet, params, 0), message);
    });

    it(`${trainer.name} refuses a seed outside 32 bits and rows the model cannot score`, () => {
      expectInvalid(
        () => trainer.train(set, params, -1),
        'seed: must be an integer in [0, 4294967295], got -1',
      );
      const { artifact } = trainer.train(set, params, 0);
      expectInvalid(
        () => loadModel(artifact).predict([[0.5, 'high', false]]),
        `rows: rows[0][1] (feature 'x2') must be a finite number or null, got "high"`,
      );
      expectInvalid(
        () => loadModel({ ...artifact, format: 'hindsight.model/0' as 'hindsight.model/1' }),
        `model artifact: format must be 'hindsight.model/1', got "hindsight.model/0"`,
      );
    });
  }
});
