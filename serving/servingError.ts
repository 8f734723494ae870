// Why online prediction refused a call: a HindsightError whose code says what the caller can do.
import { HindsightError, type ErrorCode } from '../platform/errors.js';

export type ServingErrorReason =
  /** The model has no version under the `champion` alias yet. */
  | 'NO_CHAMPION'
  /** No registered model of that name. */
  | 'MODEL_NOT_FOUND'
  /** The view does not know the entity, or has closed it. */
  | 'ENTITY_NOT_FOUND'
  /** The champion learnt from another feature view, or other code of it. */
  | 'VIEW_MISMATCH'
  /** The live features lag behind the log, or their follower stopped. */
  | 'FEATURES_UNAVAILABLE';

const CODE: Record<ServingErrorReason, ErrorCode> = {
  NO_CHAMPION: 'FAILED_PRECONDITION',
  MODEL_NOT_FOUND: 'NOT_FOUND',
  ENTITY_NOT_FOUND: 'NOT_FOUND',
  VIEW_MISMATCH: 'FAILED_PRECONDITION',
  FEATURES_UNAVAILABLE: 'UNAVAILABLE',
};

export class ServingError extends HindsightError {
  declare readonly reason: ServingErrorReason;
  constructor(
    reason: ServingErrorReason,
    message: string,
    options?: { cause?: unknown; metadata?: Record<string, string> },
  ) {
    super(CODE[reason], message, { reason, ...options });
    this.name = 'ServingError';
  }
}
