// One error type for everything the MLflow client raises, like connect-es's ConnectError: the
// code says what happened, `retryable` says whether trying again can help. The activity boundary
// maps it once (e.g. to a non-retryable ApplicationFailure when `retryable` is false).

/**
 * MLflow's own `error_code` values, plus the codes this client gives to failures that never
 * got an MLflow answer (connection refused, timeouts, a proxy's HTML error page).
 */
export type MlflowErrorCode =
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_PARAMETER_VALUE'
  | 'INVALID_STATE'
  | 'BAD_REQUEST'
  | 'ENDPOINT_NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'INTERNAL_ERROR'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  // MLflow has more codes; unknown ones are passed through as they came.
  | (string & {});

export interface MlflowErrorInit {
  errorCode: MlflowErrorCode;
  message: string;
  /** The HTTP status of MLflow's answer; null when there was none (network, local validation). */
  httpStatus: number | null;
  retryable: boolean;
  /** `METHOD /path` of the failed request, for the log line. */
  endpoint?: string;
  /** How many attempts were made before giving up. */
  attempts?: number;
  /** A server's Retry-After, in ms, to wait at least that long before the next attempt. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class MlflowError extends Error {
  readonly errorCode: MlflowErrorCode;
  readonly httpStatus: number | null;
  readonly retryable: boolean;
  readonly endpoint: string | null;
  readonly attempts: number;
  readonly retryAfterMs: number | null;

  constructor(init: MlflowErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'MlflowError';
    this.errorCode = init.errorCode;
    this.httpStatus = init.httpStatus;
    this.retryable = init.retryable;
    this.endpoint = init.endpoint ?? null;
    this.attempts = init.attempts ?? 1;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }

  /** The same error, recording that the client gave up after `attempts` tries. */
  afterAttempts(attempts: number): MlflowError {
    if (attempts <= 1) return this;
    return new MlflowError({
      ...this.init(),
      message: `${this.message} (gave up after ${attempts} attempts)`,
      attempts,
    });
  }

  /** The same error under another code, e.g. to normalise MLflow's inconsistent answers. */
  withCode(errorCode: MlflowErrorCode, retryable = false): MlflowError {
    return new MlflowError({ ...this.init(), errorCode, retryable, cause: this });
  }

  private init(): MlflowErrorInit {
    return {
      errorCode: this.errorCode,
      message: this.message,
      httpStatus: this.httpStatus,
      retryable: this.retryable,
      endpoint: this.endpoint ?? undefined,
      attempts: this.attempts,
      retryAfterMs: this.retryAfterMs ?? undefined,
      cause: this.cause,
    };
  }
}

export const isMlflowError = (error: unknown, errorCode?: MlflowErrorCode): error is MlflowError =>
  error instanceof MlflowError && (errorCode === undefined || error.errorCode === errorCode);

/** A request refused before sending: the server would reject it, so retrying cannot help. */
export const invalidParameter = (message: string): MlflowError =>
  new MlflowError({
    errorCode: 'INVALID_PARAMETER_VALUE',
    message,
    httpStatus: null,
    retryable: false,
  });
