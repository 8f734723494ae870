// The digest a published dataset of a view over a log must have, computed here the slow way:
// the view run in memory over the log, with the split the workflow applies by default.
import { datasetDigest, type SplitSpec } from '../../ml/dataset.js';
import { runFeatureView } from '../../ml/featureRun.js';
import type { FeatureView, LogEvent } from '../../ml/featureView.js';

export const expectedDatasetDigest = <State>(
  view: FeatureView<State>,
  log: readonly LogEvent[],
  split: Partial<SplitSpec> = {},
): string => {
  const read = log.filter((e) => view.eventTypes?.includes(e.type) ?? true);
  return datasetDigest(view.featureNames, runFeatureView(view, log), {
    validationFraction: 0.2,
    testFraction: 0.2,
    purge: true,
    labelHorizon: view.labelHorizon ?? null,
    // The log's clock at the cut: the newest business time of the events the view reads.
    clock: read.length === 0 ? null : Math.max(...read.map((e) => e.occurredAt)),
    ...split,
  });
};
