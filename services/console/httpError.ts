// The console's errors as HTTP: one JSON shape, and the gRPC mapping (services/grpc/status.ts)
// reused so that the console and the gRPC API refuse the same input the same way, with the same
// stable reason as gRPC's ErrorInfo.
import { status } from '@grpc/grpc-js';
import { HindsightError, HTTP_STATUS } from '../../platform/errors.js';
import { toStatusError } from '../grpc/status.js';
import { decodeStatusDetails } from '../grpc/statusDetails.js';
import type { ApiError } from './api.js';

/**
 * What only HTTP refuses (a method, a media type, a body too large): the transport's own
 * errors. Everything else the console refuses is a HindsightError, mapped by its code.
 */
export class HttpError extends Error {
  /** Stable and UPPER_SNAKE_CASE; the code itself when nothing more precise applies. */
  readonly reason: string;

  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    { reason }: { reason?: string } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.reason = reason ?? code;
  }
}

/** Bad input, as gRPC refuses it: reason INVALID_ARGUMENT, the field named. */
export const badRequest = (field: string, message: string): HindsightError =>
  new HindsightError('INVALID_ARGUMENT', `${field}: ${message}`, { field });

/** `reason` says what was not found, e.g. MODEL_NOT_FOUND, as gRPC's ErrorInfo would. */
export const notFound = (reason: string, message: string): HindsightError =>
  new HindsightError('NOT_FOUND', message, { reason });

const httpStatusOf = (code: status): number =>
  (HTTP_STATUS as Partial<Record<string, number>>)[status[code] ?? ''] ?? 500;

/** Any error as an HTTP status and the JSON body; unknown errors are 500 and reported. */
export const toHttpError = (
  error: unknown,
  onInternal: (error: unknown) => void,
): { httpStatus: number; body: ApiError } => {
  if (error instanceof HttpError) {
    return {
      httpStatus: error.httpStatus,
      body: { error: { code: error.code, reason: error.reason, message: error.message } },
    };
  }
  if (error instanceof HindsightError) {
    if (error.code === 'INTERNAL') onInternal(error);
    return {
      httpStatus: HTTP_STATUS[error.code],
      body: {
        error: {
          code: error.code,
          reason: error.reason,
          message: error.message,
          ...(error.field === undefined ? {} : { field: error.field }),
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
  const httpStatus = httpStatusOf(mapped.code);
  if (httpStatus === 500 && !logged) onInternal(error);
  const code = status[mapped.code] ?? 'INTERNAL';
  return {
    httpStatus,
    body: {
      error: {
        code,
        reason: decodeStatusDetails(mapped.metadata)?.reason ?? code,
        message: mapped.details,
      },
    },
  };
};
