// The platform eats its own cooking: a published dataset becomes a `DatasetGenerated` event on
// the view's platform stream, so the history of datasets is queryable like any other.
import { namedEventId } from '../namedEventId.js';
import type { EventStore } from '../../eventstore/index.js';
import {
  DATASET_GENERATED,
  datasetStreamOf,
  type DatasetGenerated,
} from '../../platform/datasetEvents.js';
import type { RecordDatasetInput, RecordedDataset } from './types.js';

// bench/ still imports this name from here; its home is platform/.
export { DATASET_GENERATED, datasetStreamOf };

export const recordDatasetGenerated = async (
  store: Pick<EventStore, 'append'>,
  { workflowId, published: { runId, experimentId, manifest } }: RecordDatasetInput,
): Promise<RecordedDataset> => {
  const streamId = datasetStreamOf(manifest.view.name);
  const data: DatasetGenerated = {
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
  };
  const result = await store.append(streamId, [
    {
      eventId: namedEventId(`${DATASET_GENERATED}:${workflowId}:${runId}`),
      type: DATASET_GENERATED,
      occurredAt: manifest.generatedAt,
      data,
      metadata: { correlation_id: workflowId, actor: 'hindsight-worker' },
    },
  ]);
  return {
    streamId,
    streamVersion: result.streamVersion,
    globalPosition: result.globalPositions[0] ?? 0,
  };
};
