// `ModelPromoted` or `PromotionRejected` on the model's platform stream: the alias history that
// MLflow does not keep (who, when, why, from which version to which) is read from these events.
import { namedEventId } from '../namedEventId.js';
import type { EventStore } from '../../eventstore/index.js';
import {
  MODEL_PROMOTED,
  PROMOTION_REJECTED,
  modelStreamOf,
  type PromotionDecided,
} from '../../platform/modelEvents.js';
import type { RecordPromotionInput, RecordedPromotion } from './types.js';

// bench/ still imports this name from here; its home is platform/.
export { MODEL_PROMOTED, modelStreamOf };

export const recordPromotion = async (
  store: Pick<EventStore, 'append'>,
  input: RecordPromotionInput,
): Promise<RecordedPromotion> => {
  const type = input.outcome === 'promoted' ? MODEL_PROMOTED : PROMOTION_REJECTED;
  const streamId = modelStreamOf(input.modelName);
  const { workflowId, ...rest } = input;
  const data: PromotionDecided = { ...rest, workflowId };
  const result = await store.append(streamId, [
    {
      eventId: namedEventId(`${type}:${workflowId}`),
      type,
      data,
      metadata: { correlation_id: workflowId, actor: input.reviewer ?? 'hindsight-worker' },
    },
  ]);
  return {
    streamId,
    streamVersion: result.streamVersion,
    globalPosition: result.globalPositions[0] ?? 0,
  };
};
