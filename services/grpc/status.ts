// The one place where errors become gRPC statuses.
import { Metadata, status, type ServiceError as GrpcServiceError } from '@grpc/grpc-js';
import {
  ApplicationFailure,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import {
  EventIdConflictError,
  EventStoreError,
  NotFoundError,
  ReservedNameError,
  StreamArchivedError,
  ValidationError,
  WrongExpectedVersionError,
} from '../../eventstore/errors.js';
import { UnknownAggregateError } from '../../eventstore/aggregates/aggregate.js';
import { MigrationError } from '../../eventstore/upcasting/migrations.js';
import { UpcastError } from '../../eventstore/upcasting/upcastError.js';
import { isMlflowError } from '../../mlflow/errors.js';
import { isTransientDatabaseError } from '../../eventstore/transientErrors.js';
import { failureMessage } from '../../workflows/failureMessage.js';
import { ScheduleExistsError, ScheduleNotFoundError } from '../schedules/errors.js';
import { ServingError, type ServingErrorCode } from '../../serving/servingError.js';

export interface StatusError extends Partial<GrpcServiceError> {
  code: status;
  details: string;
  metadata?: Metadata;
}

export const statusError = (
  code: status,
  details: string,
  metadata = new Metadata(),
): StatusError & Error => {
  const error = Object.assign(new Error(details), { code, details, metadata });
  return error;
};

const isStatusError = (error: unknown): error is StatusError =>
  error instanceof Error &&
  typeof (error as Partial<StatusError>).code === 'number' &&
  typeof (error as Partial<StatusError>).details === 'string';

/** Temporal's client errors, where they say something the caller can act on. */
const temporalStatus = (error: unknown): StatusError | undefined => {
  if (error instanceof WorkflowNotFoundError) return statusError(status.NOT_FOUND, error.message);
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return statusError(
      status.ALREADY_EXISTS,
      `a workflow with id '${error.workflowId}' already exists`,
    );
  }
  if (error instanceof ApplicationFailure && error.nonRetryable) {
    return statusError(status.INVALID_ARGUMENT, error.message);
  }
  if (
    error instanceof ServiceError &&
    (/UNAVAILABLE|ECONNREFUSED|connect/i.test(error.message) ||
      (error.cause as { code?: unknown } | undefined)?.code === status.UNAVAILABLE)
  ) {
    return statusError(
      status.UNAVAILABLE,
      `Temporal is unavailable; retry later (${failureMessage(error)})`,
    );
  }
  return undefined;
};

/** Migrations, upcasting and aggregates: what the Operations service and snapshot reads refuse. */
const SERVING_STATUS: Record<ServingErrorCode, status> = {
  NO_CHAMPION: status.FAILED_PRECONDITION,
  UNKNOWN_MODEL: status.NOT_FOUND,
  UNKNOWN_ENTITY: status.NOT_FOUND,
  VIEW_MISMATCH: status.FAILED_PRECONDITION,
  UNAVAILABLE: status.UNAVAILABLE,
};

const operationsStatus = (error: unknown): StatusError | undefined => {
  if (error instanceof MigrationError) {
    if (error.code === 'MIGRATION_NOT_FOUND') return statusError(status.NOT_FOUND, error.message);
    if (error.code !== 'MIGRATION_MISMATCH') {
      return statusError(status.FAILED_PRECONDITION, error.message);
    }
  }
  if (error instanceof UpcastError) {
    // A stored event its upcaster fails on is the log's state, not the caller's input.
    if (error.code === 'UPCASTER_FAILED') {
      return statusError(status.FAILED_PRECONDITION, error.message);
    }
    return statusError(status.INVALID_ARGUMENT, error.message);
  }
  if (error instanceof UnknownAggregateError) {
    return statusError(status.INVALID_ARGUMENT, error.message);
  }
  return undefined;
};

export const toStatusError = (
  error: unknown,
  onInternal: (error: unknown) => void,
): StatusError => {
  if (isStatusError(error)) return error;
  if (error instanceof EventStoreError) {
    if (error instanceof ValidationError)
      return statusError(status.INVALID_ARGUMENT, error.message);
    if (error instanceof NotFoundError) return statusError(status.NOT_FOUND, error.message);
    if (error instanceof WrongExpectedVersionError) {
      const metadata = new Metadata();
      metadata.set('actual-version', String(error.actualVersion));
      metadata.set('stream-exists', String(error.streamExists));
      return statusError(status.FAILED_PRECONDITION, error.message, metadata);
    }
    if (error instanceof StreamArchivedError)
      return statusError(status.FAILED_PRECONDITION, error.message);
    if (error instanceof EventIdConflictError)
      return statusError(status.ALREADY_EXISTS, error.message);
    if (error instanceof ReservedNameError)
      return statusError(status.PERMISSION_DENIED, error.message);
  }
  if (error instanceof ServingError) return statusError(SERVING_STATUS[error.code], error.message);
  const operations = operationsStatus(error);
  if (operations) return operations;
  const temporal = temporalStatus(error);
  if (temporal) return temporal;
  if (error instanceof ScheduleNotFoundError) return statusError(status.NOT_FOUND, error.message);
  if (error instanceof ScheduleExistsError)
    return statusError(status.ALREADY_EXISTS, error.message);
  if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) {
    return statusError(status.NOT_FOUND, error.message);
  }
  if (isMlflowError(error) && error.retryable) {
    onInternal(error);
    return statusError(status.UNAVAILABLE, `MLflow is unavailable; retry later (${error.message})`);
  }
  // The database unreachable, or its connection lost mid-call (e.g. PostgreSQL crashed):
  // clients retry UNAVAILABLE.
  if (isTransientDatabaseError(error)) {
    onInternal(error);
    return statusError(status.UNAVAILABLE, 'the event store database is unavailable; retry later');
  }
  onInternal(error);
  return statusError(status.INTERNAL, 'internal error');
};
