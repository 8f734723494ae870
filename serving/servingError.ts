// Why online prediction refused a call; the gRPC layer maps each code to its status.

export type ServingErrorCode =
  /** The model has no version under the `champion` alias yet. → FAILED_PRECONDITION */
  | 'NO_CHAMPION'
  /** No registered model of that name. → NOT_FOUND */
  | 'UNKNOWN_MODEL'
  /** The view does not know the entity, or has closed it. → NOT_FOUND */
  | 'UNKNOWN_ENTITY'
  /** The champion learnt from another feature view, or other code of it. → FAILED_PRECONDITION */
  | 'VIEW_MISMATCH'
  /** The live features lag behind the log, or their follower stopped. → UNAVAILABLE */
  | 'UNAVAILABLE';

export class ServingError extends Error {
  constructor(
    readonly code: ServingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServingError';
  }
}
