// `ModelPromoted` or `PromotionRejected` on the model's platform stream: the alias history that
// MLflow does not keep (who, when, why, from which version to which) is read from these events.
import { namedEventId } from '../namedEventId.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import type { RecordPromotionInput, RecordedPromotion } from './types.js';

export const MODEL_PROMOTED = 'ModelPromoted';
export const PROMOTION_REJECTED = 'PromotionRejected';
export const modelStreamOf = (modelName: string): string => `hindsight.models-${modelName}`;

export const recordPromotion = async (
  store: Pick<EventStore, 'append'>,
  input: RecordPromotionInput,
): Promise<RecordedPromotion> => {
  const type = input.outcome === 'promoted' ? MODEL_PROMOTED : PROMOTION_REJECTED;
  const streamId = modelStreamOf(input.modelName);
  const { workflowId, ...data } = input;
  const result = await store.append(streamId, [
    {
      eventId: namedEventId(`${type}:${workflowId}`),
      type,
      data: { ...data, workflowId },
      metadata: { correlation_id: workflowId, actor: input.reviewer ?? 'hindsight-worker' },
    },
  ]);
  return {
    streamId,
    streamVersion: result.streamVersion,
    globalPosition: result.globalPositions[0] ?? 0,
  };
};
