// The platform's one error type. Every refusal and known failure is a HindsightError with a
// code (gRPC's canonical names, which say what a caller can do about it) and a stable reason
// (what went wrong, UPPER_SNAKE_CASE); each boundary maps it once, by its code: gRPC statuses
// with google.rpc details (services/grpc/status.ts), HTTP statuses (the console), Temporal
// ApplicationFailures whose type is the reason (activities/failures.ts), CLI exit codes.

export type ErrorCode =
  /** The caller's input is malformed: the same call will always fail. */
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  /** The input is well-formed but the system is not in a state to take it (e.g. a version). */
  | 'FAILED_PRECONDITION'
  /** A concurrent change got there first: retrying the whole read-decide-write can succeed. */
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNAUTHENTICATED'
  /** A name or an operation only the platform may use. */
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  /** A dependency is down or behind: retrying later can succeed. */
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'UNIMPLEMENTED'
  /** A bug or a broken invariant: nothing the caller did. */
  | 'INTERNAL';

export interface HindsightErrorOptions {
  /** Stable and UPPER_SNAKE_CASE, e.g. STREAM_NOT_FOUND; default the code itself. */
  reason?: string;
  /** What the error is about, as snake_case keys: e.g. `{ stream_id: 'order-1' }`. */
  metadata?: Readonly<Record<string, string>>;
  /** The input field at fault, as a dotted path of the caller's request (`events[2].data`). */
  field?: string;
  cause?: unknown;
}

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

export class HindsightError extends Error {
  readonly code: ErrorCode;
  readonly reason: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly field?: string;

  constructor(
    code: ErrorCode,
    message: string,
    { reason = code, metadata = {}, field, cause }: HindsightErrorOptions = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    if (!UPPER_SNAKE.test(reason))
      throw new TypeError(`error reason '${reason}' is not UPPER_SNAKE_CASE`);
    this.name = 'HindsightError';
    this.code = code;
    this.reason = reason;
    this.metadata = metadata;
    if (field !== undefined) this.field = field;
  }
}

export const isHindsightError = (error: unknown): error is HindsightError =>
  error instanceof HindsightError;

/** The caller's input refused: a HindsightError of code INVALID_ARGUMENT. */
export const isInvalidArgument = (error: unknown): error is HindsightError =>
  error instanceof HindsightError && error.code === 'INVALID_ARGUMENT';

/** Codes where the same call, made again later, can succeed. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'UNAVAILABLE',
  'ABORTED',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
]);

export const isRetryableCode = (code: ErrorCode): boolean => RETRYABLE.has(code);

/** The HTTP status of each code (as Google's API design guide maps them). */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 409,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};
