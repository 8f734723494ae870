// The identity of a feature view's code. A snapshot of view state or a dataset made by other
// code must not pass for this one's: any edit to the code gives another hash.
import { createHash } from 'node:crypto';
import type { JsonObject } from '../eventstore/index.js';

/** A function whose source text is part of a view's code. */
export type ViewCode = (...args: never[]) => unknown;

export interface HashedViewParts {
  name: string;
  version: number;
  featureNames: readonly string[];
  featureTypes: Readonly<Record<string, string>>;
  eventTypes?: readonly string[];
  initialState: ViewCode;
  featuresNow?: ViewCode;
  openEntities?: ViewCode;
  apply: ViewCode;
  code?: readonly ViewCode[];
  constants?: JsonObject;
  labelHorizon?: { within: number; otherwise: 0 | 1 | 'drop' };
}

/**
 * The source text is the build's (compiled JavaScript), so the same view built by another
 * compiler may hash differently: that errs on the side of a rebuild, never of a wrong reuse.
 */
export const computeCodeHash = (view: HashedViewParts): string =>
  createHash('sha256')
    .update(
      JSON.stringify({
        name: view.name,
        version: view.version,
        featureNames: view.featureNames,
        featureTypes: view.featureNames.map((name) => view.featureTypes[name]),
        eventTypes: view.eventTypes ?? null,
        constants: view.constants ?? null,
        code: [
          view.initialState,
          view.apply,
          ...(view.featuresNow ? [view.featuresNow] : []),
          ...(view.openEntities ? [view.openEntities] : []),
          ...(view.code ?? []),
        ].map((fn) => fn.toString()),
        // Only when declared, so views without one keep the hashes they had.
        ...(view.labelHorizon ? { labelHorizon: view.labelHorizon } : {}),
      }),
    )
    .digest('hex');
