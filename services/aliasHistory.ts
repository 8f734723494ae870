// A model's alias history, read from its promotion events in the log (MLflow keeps only where an
// alias points now). Shared by the Models gRPC service and the console.
import { modelStreamOf } from '../activities/promotion/recordPromotion.js';
import type { RecordPromotionInput } from '../activities/promotion/types.js';
import { NotFoundError } from '../eventstore/errors.js';
import type { EventStore } from '../eventstore/eventStore.js';
import type { AliasChangeView } from './console/api.js';

/** The model's newest `limit` promotion decisions, oldest first; none for an unknown model. */
export const readAliasHistory = async (
  store: Pick<EventStore, 'readStream'>,
  name: string,
  limit = 500,
): Promise<AliasChangeView[]> => {
  let events;
  try {
    ({ events } = await store.readStream(modelStreamOf(name), { direction: 'backwards', limit }));
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
  return events.reverse().map((event) => {
    const data = JSON.parse(event.data) as RecordPromotionInput;
    return {
      at: event.recordedAt,
      outcome: data.outcome,
      decidedBy: data.decidedBy,
      fromVersion: data.championVersion,
      toVersion: data.challengerVersion,
      reviewer: data.reviewer,
      reason: data.reason,
      datasetDigest: data.datasetDigest,
      pipelineId: data.workflowId.replace(/\/promotion$/, ''),
    };
  });
};
