// Errors of the pure ML code. A FeatureViewError is a bug in a view or in how it is driven, never a
// passing fault: the same run would fail the same way. Bad input to ML code (rules, parameters,
// a request) is a plain HindsightError INVALID_ARGUMENT, whoever checked it.
import { HindsightError } from '../platform/errors.js';

export type FeatureViewFault =
  'OUT_OF_ORDER' | 'INVALID_OBSERVATION' | 'RUN_FINISHED' | 'SNAPSHOT_MISMATCH' | 'APPLY_FAILED';

export class FeatureViewError extends HindsightError {
  constructor(
    readonly fault: FeatureViewFault,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('INTERNAL', message, { reason: `FEATURE_VIEW_${fault}`, cause: options?.cause });
    this.name = 'FeatureViewError';
  }
}
