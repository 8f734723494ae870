// Errors of upcasting: a broken chain, a target no chain reaches, an upcaster that throws.
import { HindsightError } from '../../platform/errors.js';

export type UpcastErrorReason =
  | 'UNKNOWN_EVENT_TYPE'
  | 'MISSING_STEP'
  | 'INVALID_TARGET'
  | 'UPCASTER_FAILED'
  | 'UNKNOWN_SCHEMA_VERSION';

export class UpcastError extends HindsightError {
  declare readonly reason: UpcastErrorReason;
  constructor(reason: UpcastErrorReason, message: string, options?: ErrorOptions) {
    // A stored event its upcaster fails on is the log's state, not the caller's input.
    super(reason === 'UPCASTER_FAILED' ? 'FAILED_PRECONDITION' : 'INVALID_ARGUMENT', message, {
      reason,
      cause: options?.cause,
    });
    this.name = 'UpcastError';
  }
}
