// The platform eats its own cooking: a published dataset becomes a `DatasetGenerated` event on
// the view's platform stream, so the history of datasets is queryable like any other.
import { createHash } from 'node:crypto';
import type { EventStore } from '../../eventstore/eventStore.js';
import type { RecordDatasetInput, RecordedDataset } from './types.js';

export const DATASET_GENERATED = 'DatasetGenerated';
export const datasetStreamOf = (view: string): string => `hindsight.datasets-${view}`;

/** A UUIDv8 named by the workflow: a retried append is recognised as the same event. */
const eventIdOf = (name: string): string => {
  const hash = createHash('sha256').update(name).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x80;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

export const recordDatasetGenerated = async (
  store: Pick<EventStore, 'append'>,
  { workflowId, published: { runId, experimentId, manifest } }: RecordDatasetInput,
): Promise<RecordedDataset> => {
  const streamId = datasetStreamOf(manifest.view.name);
  const result = await store.append(streamId, [
    {
      eventId: eventIdOf(`${DATASET_GENERATED}:${workflowId}:${runId}`),
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
