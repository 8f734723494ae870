// The feature views a worker can run, by name. The worker is built with them; a dataset of a
// view it does not know, or of other code than it runs, fails at once and is not retried. The
// server checks requests against the same registry, and maps the same failures to gRPC.
import { HindsightError } from '../platform/errors.js';
import type { AnyFeatureView, FeatureView } from './featureView.js';

export interface FeatureViewRegistry {
  readonly names: readonly string[];
  /** The view of this name; with a code hash, exactly that code. */
  get: (name: string, codeHash?: string) => FeatureView<unknown>;
}

export const createFeatureViewRegistry = (
  views: readonly AnyFeatureView[],
): FeatureViewRegistry => {
  const byName = new Map<string, FeatureView<unknown>>();
  for (const view of views) {
    if (byName.has(view.name)) throw new Error(`feature view '${view.name}' is registered twice`);
    byName.set(view.name, view);
  }
  const names = [...byName.keys()].sort();
  return {
    names,
    get: (name, codeHash) => {
      const view = byName.get(name);
      if (!view) {
        throw new HindsightError(
          'INVALID_ARGUMENT',
          `unknown feature view '${name}'; this worker knows ${names.map((n) => `'${n}'`).join(', ') || 'none'}`,
          { reason: 'UNKNOWN_FEATURE_VIEW', metadata: { view: name } },
        );
      }
      if (codeHash !== undefined && codeHash !== view.codeHash) {
        throw new HindsightError(
          'FAILED_PRECONDITION',
          `feature view '${name}' runs other code here (${view.codeHash}) than the dataset ` +
            `began with (${codeHash}): a worker with other code took over; generate it again`,
          { reason: 'FEATURE_VIEW_CHANGED', metadata: { view: name } },
        );
      }
      return view;
    },
  };
};
