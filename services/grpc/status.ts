// The one place where errors become gRPC statuses: each carries, beside its message, a
// google.rpc.Status with a stable reason (statusDetails.ts). Messages name what the caller asked
// for; another service's text (MLflow's URLs, Temporal's wording) goes to the log, never out.
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
  isTransientDatabaseError,
  MigrationError,
  NotFoundError,
  ReservedNameError,
  StreamArchivedError,
  UnknownAggregateError,
  UpcastError,
  ValidationError,
  WrongExpectedVersionError,
} from '../../eventstore/index.js';
import { isMlflowError } from '../../mlflow/errors.js';
import { failureMessage } from '../../workflows/failureMessage.js';
import { ScheduleExistsError, ScheduleNotFoundError } from '../schedules/errors.js';
import { ServingError, type ServingErrorCode } from '../../serving/servingError.js';
import {
  STATUS_DETAILS_TRAILER,
  encodeStatusDetails,
  protoFieldPath,
  type ErrorDetails,
} from './statusDetails.js';

export interface StatusError extends Partial<GrpcServiceError> {
  code: status;
  details: string;
  metadata?: Metadata;
}

/**
 * A gRPC error: its code, its message and its details (the reason defaults to the code's name,
 * e.g. NOT_FOUND); `trailers` are further metadata sent with it.
 */
export const statusError = (
  code: status,
  details: string,
  errorDetails: Partial<ErrorDetails> = {},
  trailers = new Metadata(),
): StatusError & Error => {
  const reason = errorDetails.reason ?? status[code] ?? 'UNKNOWN';
  trailers.set(
    STATUS_DETAILS_TRAILER,
    encodeStatusDetails(code, details, { ...errorDetails, reason }),
  );
  return Object.assign(new Error(details), { code, details, metadata: trailers });
};

/** A status error that came without details (e.g. built by hand) gets those of its code. */
const withDetails = (error: StatusError): StatusError => {
  const trailers = error.metadata ?? new Metadata();
  if (trailers.get(STATUS_DETAILS_TRAILER).length > 0) return error;
  trailers.set(
    STATUS_DETAILS_TRAILER,
    encodeStatusDetails(error.code, error.details, { reason: status[error.code] ?? 'UNKNOWN' }),
  );
  return Object.assign(error, { metadata: trailers });
};

const isStatusError = (error: unknown): error is StatusError =>
  error instanceof Error &&
  typeof (error as Partial<StatusError>).code === 'number' &&
  typeof (error as Partial<StatusError>).details === 'string';

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/** Temporal's client errors, where they say something the caller can act on. */
const temporalStatus = (
  error: unknown,
  onInternal: (error: unknown) => void,
): StatusError | undefined => {
  // Temporal's message is its server's ("workflow not found for ID: …"): name the id instead.
  if (error instanceof WorkflowNotFoundError) {
    return statusError(status.NOT_FOUND, `workflow '${error.workflowId}' not found`, {
      reason: 'WORKFLOW_NOT_FOUND',
      metadata: { workflow_id: error.workflowId },
    });
  }
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return statusError(
      status.ALREADY_EXISTS,
      `a workflow with id '${error.workflowId}' already exists`,
      { reason: 'WORKFLOW_ALREADY_EXISTS', metadata: { workflow_id: error.workflowId } },
    );
  }
  if (error instanceof ApplicationFailure && error.nonRetryable) {
    // Our own workflows' refusals, typed like `ApplicationFailure.nonRetryable(message, type)`.
    const reason = error.type && UPPER_SNAKE.test(error.type) ? error.type : 'INVALID_ARGUMENT';
    return statusError(status.INVALID_ARGUMENT, error.message, { reason });
  }
  if (
    error instanceof ServiceError &&
    (/UNAVAILABLE|ECONNREFUSED|connect/i.test(error.message) ||
      (error.cause as { code?: unknown } | undefined)?.code === status.UNAVAILABLE)
  ) {
    onInternal(new Error(`Temporal is unavailable: ${failureMessage(error)}`, { cause: error }));
    return statusError(status.UNAVAILABLE, 'Temporal is unavailable; retry later', {
      reason: 'TEMPORAL_UNAVAILABLE',
    });
  }
  return undefined;
};

/** Migrations, upcasting and aggregates: what the Operations service and snapshot reads refuse. */
const SERVING_STATUS: Record<ServingErrorCode, [status, string]> = {
  NO_CHAMPION: [status.FAILED_PRECONDITION, 'NO_CHAMPION'],
  UNKNOWN_MODEL: [status.NOT_FOUND, 'MODEL_NOT_FOUND'],
  UNKNOWN_ENTITY: [status.NOT_FOUND, 'ENTITY_NOT_FOUND'],
  VIEW_MISMATCH: [status.FAILED_PRECONDITION, 'VIEW_MISMATCH'],
  UNAVAILABLE: [status.UNAVAILABLE, 'FEATURES_UNAVAILABLE'],
};

const operationsStatus = (error: unknown): StatusError | undefined => {
  if (error instanceof MigrationError) {
    const reason = { reason: error.code };
    if (error.code === 'MIGRATION_NOT_FOUND') {
      return statusError(status.NOT_FOUND, error.message, reason);
    }
    if (error.code !== 'MIGRATION_MISMATCH') {
      return statusError(status.FAILED_PRECONDITION, error.message, reason);
    }
  }
  if (error instanceof UpcastError) {
    // A stored event its upcaster fails on is the log's state, not the caller's input.
    if (error.code === 'UPCASTER_FAILED') {
      return statusError(status.FAILED_PRECONDITION, error.message, { reason: error.code });
    }
    return statusError(status.INVALID_ARGUMENT, error.message, { reason: error.code });
  }
  if (error instanceof UnknownAggregateError) {
    return statusError(status.INVALID_ARGUMENT, error.message, {
      reason: 'UNKNOWN_AGGREGATE_TYPE',
      metadata: { aggregate_type: error.aggregateType },
    });
  }
  return undefined;
};

/** What an MLflow path is about, for a not-found that no caller named more precisely. */
const MLFLOW_RESOURCES: Record<string, [string, string]> = {
  'registered-models': ['model', 'MODEL_NOT_FOUND'],
  'model-versions': ['model version', 'MODEL_VERSION_NOT_FOUND'],
  runs: ['run', 'RUN_NOT_FOUND'],
  experiments: ['experiment', 'EXPERIMENT_NOT_FOUND'],
};

/** MLflow's answers without MLflow's text: its URLs and error codes are not the caller's. */
const mlflowStatus = (
  error: unknown,
  onInternal: (error: unknown) => void,
): StatusError | undefined => {
  if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) {
    const resource = /\/mlflow\/([a-z-]+)\//.exec(error.endpoint ?? '')?.[1] ?? '';
    const [what, reason] = MLFLOW_RESOURCES[resource] ?? ['entry', 'REGISTRY_ENTRY_NOT_FOUND'];
    return statusError(status.NOT_FOUND, `the ${what} was not found in the model registry`, {
      reason,
    });
  }
  if (isMlflowError(error) && error.retryable) {
    onInternal(error);
    return statusError(status.UNAVAILABLE, 'MLflow is unavailable; retry later', {
      reason: 'MLFLOW_UNAVAILABLE',
    });
  }
  return undefined;
};

/** The event store's errors, with the stream or field they are about. */
const eventStoreStatus = (error: EventStoreError): StatusError | undefined => {
  if (error instanceof ValidationError) {
    const field = protoFieldPath(error.field);
    const description = error.message.slice(`${error.field}: `.length);
    return statusError(status.INVALID_ARGUMENT, error.message, {
      reason: 'INVALID_ARGUMENT',
      metadata: { field },
      violation: { field, description },
    });
  }
  if (error instanceof NotFoundError) {
    return statusError(status.NOT_FOUND, error.message, {
      reason: `${error.kind.toUpperCase()}_NOT_FOUND`,
      metadata: { [error.kind === 'stream' ? 'stream_id' : 'checkpoint_id']: error.id },
    });
  }
  if (error instanceof WrongExpectedVersionError) {
    const trailers = new Metadata();
    trailers.set('actual-version', String(error.actualVersion));
    trailers.set('stream-exists', String(error.streamExists));
    const metadata = {
      stream_id: error.streamId,
      expected: error.expected,
      actual_version: String(error.actualVersion),
      stream_exists: String(error.streamExists),
    };
    return statusError(
      status.FAILED_PRECONDITION,
      error.message,
      { reason: 'STREAM_VERSION_CONFLICT', metadata },
      trailers,
    );
  }
  if (error instanceof StreamArchivedError) {
    return statusError(status.FAILED_PRECONDITION, error.message, {
      reason: 'STREAM_ARCHIVED',
      metadata: { stream_id: error.streamId },
    });
  }
  if (error instanceof EventIdConflictError) {
    return statusError(status.ALREADY_EXISTS, error.message, {
      reason: 'EVENT_ID_CONFLICT',
      metadata: { event_id: error.eventId },
    });
  }
  if (error instanceof ReservedNameError) {
    const field = protoFieldPath(error.field);
    const description = error.message.slice(`${error.field}: `.length);
    return statusError(status.PERMISSION_DENIED, error.message, {
      reason: 'RESERVED_NAME',
      metadata: { field },
      violation: { field, description },
    });
  }
  return undefined;
};

export const toStatusError = (
  error: unknown,
  onInternal: (error: unknown) => void,
): StatusError => {
  if (isStatusError(error)) {
    // A service's INTERNAL names what failed; what caused it (another service's text) is logged.
    if (error.code === status.INTERNAL && error.cause !== undefined) onInternal(error.cause);
    return withDetails(error);
  }
  if (error instanceof EventStoreError) {
    const mapped = eventStoreStatus(error);
    if (mapped) return mapped;
  }
  if (error instanceof ServingError) {
    const [code, reason] = SERVING_STATUS[error.code];
    return statusError(code, error.message, { reason });
  }
  const operations = operationsStatus(error);
  if (operations) return operations;
  const temporal = temporalStatus(error, onInternal);
  if (temporal) return temporal;
  if (error instanceof ScheduleNotFoundError) {
    return statusError(status.NOT_FOUND, error.message, {
      reason: 'SCHEDULE_NOT_FOUND',
      metadata: { schedule_id: error.scheduleId },
    });
  }
  if (error instanceof ScheduleExistsError) {
    return statusError(status.ALREADY_EXISTS, error.message, {
      reason: 'SCHEDULE_ALREADY_EXISTS',
      metadata: { schedule_id: error.scheduleId },
    });
  }
  const mlflow = mlflowStatus(error, onInternal);
  if (mlflow) return mlflow;
  // The database unreachable, or its connection lost mid-call (e.g. PostgreSQL crashed):
  // clients retry UNAVAILABLE.
  if (isTransientDatabaseError(error)) {
    onInternal(error);
    return statusError(status.UNAVAILABLE, 'the event store database is unavailable; retry later', {
      reason: 'DATABASE_UNAVAILABLE',
    });
  }
  onInternal(error);
  return statusError(status.INTERNAL, 'internal error', { reason: 'INTERNAL' });
};
