// Fixes what a dataset is made of before anything is written: the view's exact code and the
// cut, checked against the log's horizon.
import { ApplicationFailure } from '@temporalio/activity';
import type { EventStore } from '../../eventstore/index.js';
import { beatingWhile } from '../heartbeat.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import type { DatasetBase, ResolveDatasetInput, ResolvedDataset } from './types.js';

export const resolveDataset = async (
  store: Pick<EventStore, 'cut' | 'countEvents' | 'viewSnapshots' | 'upcasters'>,
  views: FeatureViewRegistry,
  { view: name, cut: givenCut, incremental = true }: ResolveDatasetInput,
): Promise<ResolvedDataset> => {
  const view = views.get(name);
  const horizon = await store.cut();
  if (givenCut !== null && givenCut > horizon.transactionId) {
    throw ApplicationFailure.nonRetryable(
      `cut ${givenCut} is in the future: the log's horizon is ${horizon.transactionId}, ` +
        'and events below a cut beyond it may still be committed, so the dataset would not be ' +
        'reproducible; give a cut at or below the horizon, or none for a new one',
      'CUT_IN_FUTURE',
    );
  }
  const cut =
    givenCut === null
      ? { transactionId: horizon.transactionId, takenAt: horizon.takenAt }
      : { transactionId: givenCut, takenAt: null };
  const upcastersHash = store.upcasters.codeHash;
  const stored = incremental
    ? await store.viewSnapshots.latest(
        { view: name, codeHash: view.codeHash, upcastersHash },
        cut.transactionId,
      )
    : null;
  const base: DatasetBase | null = stored && {
    cutTransactionId: stored.cutTransactionId,
    position: stored.position,
    events: stored.events,
    labelledRows: stored.labelledRows,
    digest: stored.datasetDigest,
    runId: stored.datasetRunId,
    upcastersHash,
  };
  const events = await beatingWhile(
    store.countEvents({
      until: cut.transactionId,
      after: base?.position,
      eventTypes: view.eventTypes,
    }),
  );
  return {
    view: { name, version: view.version, codeHash: view.codeHash },
    cut,
    events,
    base,
    upcastersHash,
  };
};
