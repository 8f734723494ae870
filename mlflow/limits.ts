// MLflow's request limits (mlflow/utils/validation.py of MLflow 3.17). Checked here, before
// sending, so that an oversized batch fails whole instead of after some chunks were logged.
import { invalidParameter } from './errors.js';

export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  /** Metrics + params + tags in one log-batch request. */
  entitiesPerBatch: 1000,
  datasetsPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
} as const;

export type BatchLimits = Pick<
  typeof LIMITS,
  'metricsPerBatch' | 'paramsPerBatch' | 'tagsPerBatch' | 'entitiesPerBatch'
>;

// MLflow counts Python characters (code points), not UTF-16 units.
const lengthOf = (text: string): number => (text.length <= 1000 ? text.length : [...text].length);

export const checkLength = (what: string, text: string, max: number): void => {
  if (text.length > max && lengthOf(text) > max) {
    throw invalidParameter(`${what} is ${lengthOf(text)} characters long; MLflow allows ${max}`);
  }
};

export const checkKey = (what: string, key: string): void => {
  if (key.length === 0) throw invalidParameter(`${what} key must not be empty`);
  checkLength(`${what} key '${key.slice(0, 40)}'`, key, LIMITS.keyLength);
};
