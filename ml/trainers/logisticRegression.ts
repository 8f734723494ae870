// L2-regularised logistic regression, fitted by Newton's method (IRLS) with a step-halving line
// search, on the preprocessed columns; the linear algebra is ml-matrix's.
//
// Not npm `ml-logistic-regression` (2.0.0): it runs a fixed number of plain gradient steps
// (50 000 at a learning rate of 5e-4 by default) with no regularisation, no intercept unless
// the caller adds a column of ones, no convergence test and no loss per step, one-vs-all even
// for two classes. Newton converges in a handful of steps, to the exact penalised optimum.
//
// Objective: the sum of the rows' log losses + l2/2 · ‖w‖², the intercept not penalised
// (scikit-learn's C is 1/l2). The columns are standardised, so l2 weighs every feature alike.
import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import type { FeatureValue } from '../featureView.js';
import { integerBetween, numberAbove, numberAtLeast, parseParamsObject } from './params.js';
import { applyPreprocessing, preprocessingColumns } from './preprocessing.js';
import { invalidArgument, prepareTraining } from './trainingSet.js';
import { buildArtifact } from './artifact.js';
import type { ModelArtifact, ModelScorer, Trainer, TrainingIteration } from './types.js';

export type LogisticRegressionParams = {
  /** Strength of the L2 penalty on the coefficients (not the intercept); ≥ 0. */
  l2: number;
  /** At most this many Newton steps. */
  maxIterations: number;
  /** Converged once the gradient's norm, per row, is at most this. */
  tolerance: number;
};

export type LogisticRegressionModel = {
  intercept: number;
  /** By expanded column name (see `preprocessingColumns`), on standardised columns. */
  coefficients: Record<string, number>;
  /** Whether the gradient reached the tolerance within `maxIterations`. */
  converged: boolean;
};

export const LOGISTIC_REGRESSION = 'logistic_regression';

/** log(1 + e^z) without overflow. */
const softplus = (z: number): number =>
  z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));

const sigmoid = (z: number): number => {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
};

interface Evaluation {
  /** Σ log loss + l2/2 · ‖w‖². */
  objective: number;
  logLoss: number;
  probabilities: number[];
}

const evaluate = (
  design: Matrix,
  labels: readonly number[],
  beta: Matrix,
  l2: number,
): Evaluation => {
  const scores = design.mmul(beta).getColumn(0);
  let loss = 0;
  const probabilities = scores.map((z, i) => {
    loss += labels[i] === 1 ? softplus(-z) : softplus(z);
    return sigmoid(z);
  });
  let penalty = 0;
  for (let j = 1; j < beta.rows; j += 1) penalty += beta.get(j, 0) ** 2;
  return {
    objective: loss + (l2 / 2) * penalty,
    logLoss: loss / labels.length,
    probabilities,
  };
};

/** ∇ = Xᵀ(p - y) + l2 · w (0 for the intercept). */
const gradientOf = (
  design: Matrix,
  labels: readonly number[],
  beta: Matrix,
  l2: number,
  probabilities: readonly number[],
): Matrix => {
  const residuals = Matrix.columnVector(probabilities.map((p, i) => p - (labels[i] as number)));
  const gradient = design.transposeMultiply(residuals);
  for (let j = 1; j < beta.rows; j += 1)
    gradient.set(j, 0, gradient.get(j, 0) + l2 * beta.get(j, 0));
  return gradient;
};

/** H = Xᵀ diag(p(1 - p)) X + l2 · I (0 for the intercept). */
const hessianOf = (transposed: Matrix, l2: number, probabilities: readonly number[]): Matrix => {
  const hessian = transposed.mmulByTranspose(probabilities.map((p) => p * (1 - p)));
  for (let j = 1; j < hessian.rows; j += 1) hessian.set(j, j, hessian.get(j, j) + l2);
  return hessian;
};

/** The Newton direction; least squares by SVD when H is singular (l2 = 0, collinear columns). */
const newtonDirection = (hessian: Matrix, gradient: Matrix): Matrix => {
  const cholesky = new CholeskyDecomposition(hessian);
  return cholesky.isPositiveDefinite() ? cholesky.solve(gradient) : solve(hessian, gradient, true);
};

const MAX_HALVINGS = 40;

interface Fit {
  beta: Matrix;
  converged: boolean;
  iterations: TrainingIteration[];
}

const fitNewton = (
  values: number[][],
  labels: readonly number[],
  { l2, maxIterations, tolerance }: LogisticRegressionParams,
): Fit => {
  const n = labels.length;
  const design = new Matrix(values.map((row) => [1, ...row]));
  const transposed = design.transpose();
  const positiveRate = labels.reduce((sum: number, label) => sum + label, 0) / n;
  // Start at the best intercept-only model: every step from there improves on the base rate.
  let beta = Matrix.zeros(design.columns, 1);
  beta.set(0, 0, Math.log(positiveRate / (1 - positiveRate)));
  let current = evaluate(design, labels, beta, l2);
  let gradient = gradientOf(design, labels, beta, l2, current.probabilities);
  const iterations: TrainingIteration[] = [];
  let converged = gradient.norm() / n <= tolerance;
  for (let step = 1; step <= maxIterations && !converged; step += 1) {
    const direction = newtonDirection(hessianOf(transposed, l2, current.probabilities), gradient);
    let accepted: { beta: Matrix; evaluation: Evaluation } | undefined;
    for (let halving = 0, size = 1; halving <= MAX_HALVINGS; halving += 1, size /= 2) {
      const candidate = Matrix.sub(beta, Matrix.mul(direction, size));
      const evaluation = evaluate(design, labels, candidate, l2);
      if (evaluation.objective <= current.objective) {
        accepted = { beta: candidate, evaluation };
        break;
      }
    }
    // No step lowers the objective any more: it is at its minimum to rounding.
    if (!accepted) break;
    beta = accepted.beta;
    current = accepted.evaluation;
    gradient = gradientOf(design, labels, beta, l2, current.probabilities);
    const gradientNorm = gradient.norm() / n;
    iterations.push({ step, metrics: { log_loss: current.logLoss, gradient_norm: gradientNorm } });
    converged = gradientNorm <= tolerance;
  }
  return { beta, converged, iterations };
};

const finite = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** The model's coefficients in the order of the artifact's columns; checks its shape. */
const coefficientsOf = (artifact: ModelArtifact): { intercept: number; weights: number[] } => {
  const model = artifact.model as Partial<LogisticRegressionModel> | null;
  const what = `${LOGISTIC_REGRESSION} artifact`;
  if (typeof model !== 'object' || model === null || !finite(model.intercept)) {
    throw invalidArgument(`${what}: model.intercept must be a finite number`);
  }
  const coefficients = model.coefficients;
  if (typeof coefficients !== 'object' || coefficients === null) {
    throw invalidArgument(`${what}: model.coefficients must be an object`);
  }
  const columns = preprocessingColumns(artifact.preprocessing);
  const weights = columns.map((column) => {
    const weight = Object.hasOwn(coefficients, column) ? coefficients[column] : undefined;
    if (!finite(weight)) {
      throw invalidArgument(`${what}: model.coefficients['${column}'] must be a finite number`);
    }
    return weight;
  });
  const extra = Object.keys(coefficients).find((column) => !columns.includes(column));
  if (extra !== undefined) {
    throw invalidArgument(`${what}: model.coefficients['${extra}'] is not a column`);
  }
  return { intercept: model.intercept, weights };
};

const load = (artifact: ModelArtifact): ModelScorer => {
  const { intercept, weights } = coefficientsOf(artifact);
  return {
    artifact,
    predict: (rows: readonly (readonly FeatureValue[])[]) =>
      applyPreprocessing(artifact.preprocessing, rows).values.map((row) => {
        let score = intercept;
        row.forEach((value, j) => {
          score += (weights[j] as number) * value;
        });
        return sigmoid(score);
      }),
  };
};

const parseParams = (input: unknown): LogisticRegressionParams =>
  parseParamsObject<LogisticRegressionParams>(input, {
    l2: numberAtLeast(0, 1.0),
    maxIterations: integerBetween(1, 10_000, 50),
    tolerance: numberAbove(0, 1e-8),
  });

export const logisticRegression: Trainer<LogisticRegressionParams> = {
  name: LOGISTIC_REGRESSION,
  description:
    'L2-regularised logistic regression by Newton/IRLS on standardised, one-hot encoded ' +
    'features; the intercept is not penalised.',
  parseParams,
  train: (set, input, seed) => {
    const params = parseParams(input);
    const { preprocessing, columns, values } = prepareTraining(set, seed);
    const { beta, converged, iterations } = fitNewton(values, set.labels, params);
    const model: LogisticRegressionModel = {
      intercept: beta.get(0, 0),
      coefficients: Object.fromEntries(columns.map((column, j) => [column, beta.get(j + 1, 0)])),
      converged,
    };
    const artifact = buildArtifact({
      trainer: LOGISTIC_REGRESSION,
      params,
      seed,
      set,
      preprocessing,
      model,
    });
    return { artifact, iterations };
  },
  load,
};
