// The activity boundary of the error taxonomy: every error leaves an activity as an
// ApplicationFailure whose type names it and whose retryability says whether trying again can
// help, so workflows and retry policies match on types, never on messages.
import { ApplicationFailure } from '@temporalio/activity';
import { isMlflowError } from '../mlflow/errors.js';
import { HindsightError, isRetryableCode } from '../platform/errors.js';

export const toActivityFailure = (error: unknown): unknown => {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof HindsightError) {
    // The platform's own errors: their reason is the type workflows and retry policies match on.
    return ApplicationFailure.create({
      type: error.reason,
      message: error.message,
      nonRetryable: !isRetryableCode(error.code),
      cause: error,
    });
  }
  if (isMlflowError(error)) {
    return ApplicationFailure.create({
      type: `MLFLOW_${error.errorCode}`,
      message: `MLflow: ${error.message}`,
      nonRetryable: !error.retryable,
      cause: error,
    });
  }
  // Anything else (a lost database connection, a full disk) may pass: let Temporal retry it.
  return error;
};

/** The activity with its errors mapped at the boundary. */
export const mappingFailures =
  <Input extends unknown[], Output>(activity: (...input: Input) => Promise<Output>) =>
  async (...input: Input): Promise<Output> => {
    try {
      return await activity(...input);
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
