// The platform eats its own cooking: a published dataset becomes a `DatasetGenerated` event on
// the view's platform stream, so the history of datasets is queryable like any other.
import { namedEventId } from '../namedEventId.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import type { RecordDatasetInput, RecordedDataset } from './types.js';

export const DATASET_GENERATED = 'DatasetGenerated';
export const datasetStreamOf = (view: string): string => `hindsight.datasets-${view}`;

export const recordDatasetGenerated = async (
  store: Pick<EventStore, 'append'>,
  { workflowId, published: { runId, experimentId, manifest } }: RecordDatasetInput,
): Promise<RecordedDataset> => {
  const streamId = datasetStreamOf(manifest.view.name);
  const result = await store.append(streamId, [
    {
      eventId: namedEventId(`${DATASET_GENERATED}:${workflowId}:${runId}`),
      type: DATASET_GENERATED,
      occurredAt: manifest.generatedAt,
      data: {
        digest: manifest.digest,
        view: manifest.view,
        cut: manifest.cut,
        events: manifest.events,
        rows: manifest.rows,
        labelBalance: { ...manifest.labelBalance },
        split: { ...manifest.split },
        observedFrom: manifest.observedFrom,
        observedUntil: manifest.observedUntil,
        mlflow: {
          experimentId,
          runId,
          parquet: manifest.file.path,
          manifest: 'dataset/manifest.json',
        },
      },
      metadata: { correlation_id: workflowId, actor: 'hindsight-worker' },
    },
  ]);
  return {
    streamId,
    streamVersion: result.streamVersion,
    globalPosition: result.globalPositions[0] ?? 0,
  };
};
