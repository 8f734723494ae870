// Checks the input every metric shares. Bad input is a caller's bug, so it is refused loudly
// rather than turned into a NaN that would slip into MLflow and promotion rules.
import { HindsightError } from '../../platform/errors.js';
import type { Label } from '../featureView.js';

const invalid = (message: string): HindsightError =>
  new HindsightError('INVALID_ARGUMENT', message);

// Input may come from JSON at runtime, so show what it really holds, not what the type says.
const describe = (value: unknown): string =>
  typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));

/** Refuses an empty list or an entry that is not 0 or 1, naming the first bad index. */
export const assertLabels = (labels: readonly Label[], name = 'labels'): void => {
  if (labels.length === 0) throw invalid(`${name} is empty: a metric needs at least one row`);
  labels.forEach((label: unknown, index) => {
    if (label !== 0 && label !== 1) {
      throw invalid(`${name}[${index}] is ${describe(label)}: a label must be 0 or 1`);
    }
  });
};

/** Refuses lists of different lengths, empty lists, bad labels and scores outside [0, 1]. */
export const assertScoredLabels = (labels: readonly Label[], scores: readonly number[]): void => {
  if (labels.length !== scores.length) {
    throw invalid(
      `labels has ${labels.length} entries but scores has ${scores.length}: they must pair up`,
    );
  }
  assertLabels(labels);
  scores.forEach((score: unknown, index) => {
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
      throw invalid(
        `scores[${index}] is ${describe(score)}: a score must be a probability in [0, 1]`,
      );
    }
  });
};

/** Refuses a setting (threshold, bins, eps) that is out of its range. */
export const assertSetting = (ok: boolean, message: string): void => {
  if (!ok) throw invalid(message);
};
