// The one place where errors become gRPC statuses.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  EventIdConflictError,
  EventStoreError,
  NotFoundError,
  StreamArchivedError,
  ValidationError,
  WrongExpectedVersionError,
} from '../../eventstore/errors.js';

export interface StatusError extends Partial<ServiceError> {
  code: status;
  details: string;
  metadata?: Metadata;
}

export const statusError = (
  code: status,
  details: string,
  metadata = new Metadata(),
): StatusError => {
  const error = Object.assign(new Error(details), { code, details, metadata });
  return error;
};

const isStatusError = (error: unknown): error is StatusError =>
  error instanceof Error &&
  typeof (error as Partial<StatusError>).code === 'number' &&
  typeof (error as Partial<StatusError>).details === 'string';

const isConnectionError = (error: unknown): boolean => {
  const code = (error as { code?: string }).code;
  return (
    typeof code === 'string' &&
    (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03'].includes(code) ||
      code.startsWith('08'))
  );
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
  }
  if (isConnectionError(error)) {
    onInternal(error);
    return statusError(status.UNAVAILABLE, 'the event store database is unavailable; retry later');
  }
  onInternal(error);
  return statusError(status.INTERNAL, 'internal error');
};
