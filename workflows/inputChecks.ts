// Checks shared by the workflows' input parsers: a malformed field fails the workflow at once,
// non-retryably, with a message naming the field.
import { ApplicationFailure } from '@temporalio/workflow';

export const invalid = (field: string, message: string): ApplicationFailure =>
  ApplicationFailure.nonRetryable(`${field}: ${message}`, 'INVALID_ARGUMENT');

/** An integer field within [min, max]; absent or null gives `fallback` (required without one). */
export const integerIn = (
  input: Record<string, unknown>,
  field: string,
  fallback: number | undefined,
  min: number,
  max: number,
): number => {
  const value = input[field];
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return value;
};
