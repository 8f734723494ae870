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
import { isTransientDatabaseError, WrongExpectedVersionError } from '../../eventstore/index.js';
import { isMlflowError } from '../../mlflow/errors.js';
import { HindsightError, HTTP_STATUS, type ErrorCode } from '../../platform/errors.js';
import { failureMessage } from '../../workflows/failureMessage.js';
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
    // Our own workflows' refusals: a HindsightError's reason as the type, its code and field in
    // the details (see workflows/inputChecks.ts); older ones are bad input.
    const reason = error.type && UPPER_SNAKE.test(error.type) ? error.type : 'INVALID_ARGUMENT';
    const [detail] = (error.details ?? []) as { code?: unknown; field?: unknown }[];
    const code =
      typeof detail?.code === 'string' && detail.code in HTTP_STATUS
        ? (detail.code as ErrorCode)
        : 'INVALID_ARGUMENT';
    return hindsightStatus(
      new HindsightError(code, error.message, {
        reason,
        ...(typeof detail?.field === 'string' ? { field: detail.field } : {}),
      }),
      onInternal,
    );
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

/**
 * The platform's own errors, by their code and reason alone: the field at fault becomes a
 * BadRequest violation (named as in the proto), what the error is about ErrorInfo's metadata.
 */
const hindsightStatus = (
  error: HindsightError,
  onInternal: (error: unknown) => void,
): StatusError => {
  // A broken invariant: its message is ours and says which, what caused it goes to the log.
  if (error.code === 'INTERNAL') onInternal(error);
  const metadata: Record<string, string> = { ...error.metadata };
  let violation: ErrorDetails['violation'];
  if (error.field !== undefined) {
    const field = protoFieldPath(error.field);
    const prefix = `${error.field}: `;
    const description = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    metadata.field = field;
    violation = { field, description };
  }
  const trailers = new Metadata();
  // A version conflict's trailers, older than the details and documented in the API.
  if (error instanceof WrongExpectedVersionError) {
    trailers.set('actual-version', String(error.actualVersion));
    trailers.set('stream-exists', String(error.streamExists));
  }
  return statusError(
    status[error.code],
    error.message,
    { reason: error.reason, metadata, ...(violation ? { violation } : {}) },
    trailers,
  );
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
  if (error instanceof HindsightError) return hindsightStatus(error, onInternal);
  const temporal = temporalStatus(error, onInternal);
  if (temporal) return temporal;
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
