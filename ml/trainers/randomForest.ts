// A random forest of CART trees from npm `ml-random-forest` 2.1.0 (trees by `ml-cart`), on the
// preprocessed columns. What the library really does decides three things here:
// - Its trees search splits in O(rows²) per node (every label change is a candidate, each
//   scored over all rows): about 0.25 s per tree at 1 000 rows, 1.9 s at 4 000. So each tree
//   learns from its own bootstrap sample of at most `maxSamples` rows, drawn here with a
//   seeded Mersenne Twister (random-js, as the library's own bagging), one library call per
//   tree; the trees are then joined into one library model. (Its own `maxSamples` takes the
//   first rows, not a sample.)
// - Features are sampled once per tree (a random subspace), not at each split; without
//   replacement here.
// - Its `predictProbability` is a share of hard votes and skips the first tree's vote (a
//   `reduce` without an initial value), so P(1) is the mean over trees of the class-1 share
//   of the leaf each row reaches, read from the library's loaded trees (as scikit-learn does).
// The artifact's model is the library's JSON (`RandomForestClassifier#toJSON`), loaded back
// with `RandomForestClassifier.load`.
import type { Matrix } from 'ml-matrix';
import { RandomForestClassifier } from 'ml-random-forest';
import { MersenneTwister19937, integer } from 'random-js';
import type { FeatureValue } from '../featureView.js';
import { buildArtifact } from './artifact.js';
import { integerAtLeast, integerBetween, parseParamsObject, type ParamSpec } from './params.js';
import { applyPreprocessing, preprocessingColumns } from './preprocessing.js';
import { invalidArgument, prepareTraining } from './trainingSet.js';
import type { JsonValue, ModelArtifact, ModelScorer, Trainer } from './types.js';

export type RandomForestParams = {
  trees: number;
  /** Leaves are at most this deep; the root is at depth 0. */
  maxDepth: number;
  /** A node of at most this many rows is a leaf (ml-cart's `minNumSamples`). */
  minNumSamples: number;
  /** Columns each tree sees: √columns, or this share of them; at least one. */
  maxFeatures: 'sqrt' | number;
  /** Rows in each tree's bootstrap sample: all the rows when there are fewer. */
  maxSamples: number;
};

export const RANDOM_FOREST = 'random_forest';

const maxFeaturesSpec: ParamSpec<'sqrt' | number> = {
  default: 'sqrt',
  accept: (value) =>
    value === 'sqrt' || (typeof value === 'number' && value > 0 && value <= 1) ? value : undefined,
  expected: "'sqrt' or a number in (0, 1]",
};

const parseParams = (input: unknown): RandomForestParams =>
  parseParamsObject<RandomForestParams>(input, {
    trees: integerBetween(1, 10_000, 100),
    maxDepth: integerBetween(1, 64, 8),
    minNumSamples: integerAtLeast(1, 5),
    maxFeatures: maxFeaturesSpec,
    maxSamples: integerAtLeast(2, 1000),
  });

/** The number of columns each tree sees. */
export const featuresPerTree = (maxFeatures: 'sqrt' | number, columns: number): number =>
  Math.min(
    columns,
    Math.max(1, Math.floor(maxFeatures === 'sqrt' ? Math.sqrt(columns) : maxFeatures * columns)),
  );

/**
 * `count` columns in the library's terms: a number in (0, 1] is a share (1 is all), a larger
 * integer a count; so one column of several is a share just above 1/columns.
 */
const libraryMaxFeatures = (count: number, columns: number): number =>
  count === columns ? 1 : count > 1 ? count : 1.5 / columns;

interface LibraryForestJson {
  name: 'RFClassifier';
  baseModel: {
    n: number;
    nEstimators: number;
    seed: number;
    indexes: number[][];
    estimators: unknown[];
  };
}

/** One library tree: the class distribution of the leaf a row (its tree's columns) reaches. */
interface LibraryTree {
  root: { classify: (row: number[]) => Matrix };
}

const trainForest = (
  values: number[][],
  labels: readonly number[],
  params: RandomForestParams,
  seed: number,
): LibraryForestJson => {
  const columns = values[0]?.length ?? 0;
  const count = featuresPerTree(params.maxFeatures, columns);
  const engine = MersenneTwister19937.seed(seed);
  const pickRow = integer(0, values.length - 1);
  const sampleSize = Math.min(values.length, params.maxSamples);
  const trees: LibraryForestJson[] = [];
  for (let t = 0; t < params.trees; t += 1) {
    const sample = Array.from({ length: sampleSize }, () => pickRow(engine));
    const tree = new RandomForestClassifier({
      nEstimators: 1,
      maxFeatures: libraryMaxFeatures(count, columns),
      replacement: false,
      useSampleBagging: false,
      noOOB: true,
      seed: engine.next(),
      treeOptions: { maxDepth: params.maxDepth, minNumSamples: params.minNumSamples },
    });
    tree.train(
      sample.map((row) => values[row] as number[]),
      sample.map((row) => labels[row] as number),
    );
    // Through JSON text: the library's trees hold ml-matrix objects, the artifact plain data.
    trees.push(JSON.parse(JSON.stringify(tree.toJSON())) as LibraryForestJson);
  }
  const first = trees[0] as LibraryForestJson;
  if (first.baseModel.n !== count) {
    throw new Error(`ml-random-forest used ${first.baseModel.n} columns per tree, not ${count}`);
  }
  return {
    name: 'RFClassifier',
    baseModel: {
      ...first.baseModel,
      nEstimators: params.trees,
      seed,
      indexes: trees.flatMap((tree) => tree.baseModel.indexes),
      estimators: trees.flatMap((tree) => tree.baseModel.estimators),
    },
  };
};

const loadForest = (artifact: ModelArtifact): RandomForestClassifier => {
  const model = artifact.model as Partial<LibraryForestJson> | null;
  const base = model?.baseModel;
  const columns = preprocessingColumns(artifact.preprocessing).length;
  const fits =
    model?.name === 'RFClassifier' &&
    Array.isArray(base?.indexes) &&
    Array.isArray(base.estimators) &&
    base.indexes.length === base.estimators.length &&
    base.nEstimators === base.estimators.length &&
    base.indexes.every(
      (used) =>
        Array.isArray(used) &&
        used.every((column) => Number.isInteger(column) && column >= 0 && column < columns),
    );
  if (!fits) {
    throw invalidArgument(
      `${RANDOM_FOREST} artifact: model is not an ml-random-forest classifier of ` +
        `${columns} columns`,
    );
  }
  return RandomForestClassifier.load(model as Parameters<typeof RandomForestClassifier.load>[0]);
};

const load = (artifact: ModelArtifact): ModelScorer => {
  const forest = loadForest(artifact);
  const trees = forest.estimators as unknown as LibraryTree[];
  const indexes = forest.indexes as number[][];
  return {
    artifact,
    predict: (rows: readonly (readonly FeatureValue[])[]) =>
      applyPreprocessing(artifact.preprocessing, rows).values.map((row) => {
        let sum = 0;
        trees.forEach((tree, t) => {
          const leaf = tree.root.classify((indexes[t] as number[]).map((c) => row[c] as number));
          // A leaf's distribution has one entry per class up to the largest label it saw.
          if (leaf.columns > 1) sum += leaf.get(0, 1);
        });
        return Math.min(1, Math.max(0, sum / trees.length));
      }),
  };
};

export const randomForest: Trainer<RandomForestParams> = {
  name: RANDOM_FOREST,
  description:
    'Random forest of CART trees (ml-random-forest), each on a bootstrap sample of at most ' +
    'maxSamples rows and a random subset of the columns; P(1) averages the leaves.',
  parseParams,
  train: (set, input, seed) => {
    const params = parseParams(input);
    const { preprocessing, values } = prepareTraining(set, seed);
    const model = trainForest(values, set.labels, params, seed) as unknown as JsonValue;
    const artifact = buildArtifact({
      trainer: RANDOM_FOREST,
      params,
      seed,
      set,
      preprocessing,
      model,
    });
    return { artifact, iterations: [] };
  },
  load,
};
