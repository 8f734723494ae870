// Slow, obvious definitions and assertions shared by the ML unit tests.
import { expect } from 'vitest';
import type { Label } from '../../ml/featureView.js';
import { HindsightError } from '../../platform/errors.js';
import { thrownBy } from './thrown.js';

/**
 * ROC AUC by its definition: over every (positive, negative) pair, 1 if the positive scores
 * higher, 1/2 if tied. O(n²), obviously right.
 */
export const pairCountingAuc = (labels: readonly Label[], scores: readonly number[]): number => {
  let won = 0;
  let pairs = 0;
  labels.forEach((positive, i) => {
    if (positive !== 1) return;
    labels.forEach((negative, j) => {
      if (negative !== 0) return;
      pairs += 1;
      const a = scores[i] ?? 0;
      const b = scores[j] ?? 0;
      won += a > b ? 1 : a === b ? 0.5 : 0;
    });
  });
  return won / pairs;
};

/** Expects a HindsightError INVALID_ARGUMENT with exactly this message. */
export const expectInvalid = (run: () => unknown, message: string): void => {
  expect(thrownBy(HindsightError, run)).toMatchObject({ code: 'INVALID_ARGUMENT', message });
};
