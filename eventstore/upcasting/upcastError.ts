// Errors of upcasting: a broken chain, a target no chain reaches, an upcaster that throws.
export type UpcastErrorCode =
  | 'UNKNOWN_EVENT_TYPE'
  | 'MISSING_STEP'
  | 'INVALID_TARGET'
  | 'UPCASTER_FAILED'
  | 'UNKNOWN_SCHEMA_VERSION';

export class UpcastError extends Error {
  constructor(
    readonly code: UpcastErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UpcastError';
  }
}
