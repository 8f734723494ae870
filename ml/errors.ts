// Errors of the pure ML code. Each is a bug in a view or its caller, not a passing fault:
// activities map them to non-retryable failures by their code.

export type FeatureViewErrorCode =
  | 'OUT_OF_ORDER'
  | 'INVALID_OBSERVATION'
  | 'RUN_FINISHED'
  | 'SNAPSHOT_MISMATCH'
  | 'APPLY_FAILED'
  | 'INVALID_ARGUMENT';

export class FeatureViewError extends Error {
  constructor(
    readonly code: FeatureViewErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FeatureViewError';
  }
}
