// The activity boundary of the error taxonomy: every error leaves an activity as an
// ApplicationFailure whose type names it and whose retryability says whether trying again can
// help, so workflows and retry policies match on types, never on messages.
import { ApplicationFailure } from '@temporalio/activity';
import { UnknownAggregateError } from '../eventstore/aggregates/aggregate.js';
import { EventStoreError } from '../eventstore/errors.js';
import { MigrationError } from '../eventstore/upcasting/migrations.js';
import { UpcastError } from '../eventstore/upcasting/upcastError.js';
import { isMlflowError } from '../mlflow/errors.js';
import { FeatureViewError } from '../ml/errors.js';

export const toActivityFailure = (error: unknown): unknown => {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof FeatureViewError) {
    return ApplicationFailure.create({
      // Bad input to pure ML code (rules, params) is bad input, whoever checked it.
      type: error.code === 'INVALID_ARGUMENT' ? 'INVALID_ARGUMENT' : `FEATURE_VIEW_${error.code}`,
      message: error.message,
      nonRetryable: true,
      cause: error,
    });
  }
  if (error instanceof EventStoreError) {
    return ApplicationFailure.create({
      type: error.code === 'VALIDATION' ? 'INVALID_ARGUMENT' : error.code,
      message: error.message,
      nonRetryable: true,
      cause: error,
    });
  }
  if (
    error instanceof UpcastError ||
    error instanceof MigrationError ||
    error instanceof UnknownAggregateError
  ) {
    return ApplicationFailure.create({
      type: error instanceof UnknownAggregateError ? 'UNKNOWN_AGGREGATE' : error.code,
      message: error.message,
      nonRetryable: true,
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
