// Checks shared by the workflows' input parsers: a malformed field fails the workflow at once,
// non-retryably, with a message naming the field.
import { ApplicationFailure } from '@temporalio/workflow';
import { HindsightError } from '../platform/errors.js';

/** A malformed field: the same refusal whether a workflow or a service checked it. */
export const invalid = (field: string, message: string): HindsightError =>
  new HindsightError('INVALID_ARGUMENT', `${field}: ${message}`, { field });

/**
 * Runs a check inside a workflow: the platform's errors become the non-retryable failure of the
 * same reason (carrying the code and field), which fails the workflow, or refuses the update, at
 * once. Any other error thrown by workflow code fails only the workflow task, retried forever.
 */
export const checkedInWorkflow = <T>(check: () => T): T => {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof HindsightError)) throw error;
    throw ApplicationFailure.create({
      type: error.reason,
      message: error.message,
      nonRetryable: true,
      details: [{ code: error.code, ...(error.field === undefined ? {} : { field: error.field }) }],
    });
  }
};

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
