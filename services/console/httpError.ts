// The console's errors as HTTP: one JSON shape, and the gRPC mapping (services/grpc/status.ts)
// reused so that the console and the gRPC API refuse the same input the same way, with the same
// stable reason as gRPC's ErrorInfo.
import { status } from '@grpc/grpc-js';
import { ValidationError } from '../../eventstore/errors.js';
import { toStatusError } from '../grpc/status.js';
import { decodeStatusDetails } from '../grpc/statusDetails.js';
import type { ApiError } from './api.js';

export class HttpError extends Error {
  /** Stable and UPPER_SNAKE_CASE; the code itself when nothing more precise applies. */
  readonly reason: string;
  readonly field?: string;

  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    { reason, field }: { reason?: string; field?: string } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.reason = reason ?? code;
    if (field !== undefined) this.field = field;
  }
}

/** Bad input, as gRPC refuses a ValidationError: reason INVALID_ARGUMENT, the field named. */
export const badRequest = (field: string, message: string): HttpError =>
  new HttpError(400, 'INVALID_ARGUMENT', `${field}: ${message}`, {
    reason: 'INVALID_ARGUMENT',
    field,
  });

/** `reason` says what was not found, e.g. MODEL_NOT_FOUND, as gRPC's ErrorInfo would. */
export const notFound = (reason: string, message: string): HttpError =>
  new HttpError(404, 'NOT_FOUND', message, { reason });

const HTTP_STATUS: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.OUT_OF_RANGE]: 400,
  [status.UNAUTHENTICATED]: 401,
  [status.PERMISSION_DENIED]: 403,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.FAILED_PRECONDITION]: 409,
  [status.ABORTED]: 409,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.UNIMPLEMENTED]: 501,
  [status.UNAVAILABLE]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
};

/** Any error as an HTTP status and the JSON body; unknown errors are 500 and reported. */
export const toHttpError = (
  error: unknown,
  onInternal: (error: unknown) => void,
): { httpStatus: number; body: ApiError } => {
  if (error instanceof HttpError) {
    return {
      httpStatus: error.httpStatus,
      body: {
        error: {
          code: error.code,
          reason: error.reason,
          message: error.message,
          ...(error.field ? { field: error.field } : {}),
        },
      },
    };
  }
  if ((error as { code?: unknown }).code === '57014') {
    return {
      httpStatus: 504,
      body: {
        error: {
          code: 'DEADLINE_EXCEEDED',
          reason: 'DEADLINE_EXCEEDED',
          message: 'the query took too long and was cancelled: narrow the filters',
        },
      },
    };
  }
  // Errors the gRPC mapping passes through as they are (Temporal's own statuses) are logged
  // here when they are ours to fix.
  let logged = false;
  const mapped = toStatusError(error, (cause) => {
    logged = true;
    onInternal(cause);
  });
  const field = error instanceof ValidationError ? error.field : undefined;
  const httpStatus = HTTP_STATUS[mapped.code] ?? 500;
  if (httpStatus === 500 && !logged) onInternal(error);
  const code = status[mapped.code] ?? 'INTERNAL';
  return {
    httpStatus,
    body: {
      error: {
        code,
        reason: decodeStatusDetails(mapped.metadata)?.reason ?? code,
        message: mapped.details,
        ...(field ? { field } : {}),
      },
    },
  };
};
