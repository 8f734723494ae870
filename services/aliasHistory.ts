// A model's alias history, read from its promotion events in the log (MLflow keeps only where an
// alias points now). Shared by the Models gRPC service and the console. A promotion event that
// does not fit its schema is skipped and reported, never a failed page or call.
import { type EventStore, NotFoundError } from '../eventstore/index.js';
import {
  modelStreamOf,
  promotionDecisionData,
  type GainIntervalData,
} from '../platform/modelEvents.js';
import { parsePlatformData, type MalformedPlatformEvent } from '../platform/platformEvents.js';
import type { AliasChangeView } from './console/api.js';

/** One decision: a promotion, a rejection, or a rollback (decidedBy `rollback`). */
export interface AliasChange extends AliasChangeView {
  /** The gain's significance interval the rules judged; null when none (always for a rollback). */
  interval: GainIntervalData | null;
}

export interface AliasHistory {
  /** Oldest first. */
  changes: AliasChange[];
  /** Events of the model's stream that were skipped. */
  malformed: MalformedPlatformEvent[];
}

/** The model's newest `limit` promotion decisions, oldest first; none for an unknown model. */
export const readAliasHistory = async (
  store: Pick<EventStore, 'readStream'>,
  name: string,
  limit = 500,
): Promise<AliasHistory> => {
  let events;
  try {
    ({ events } = await store.readStream(modelStreamOf(name), { direction: 'backwards', limit }));
  } catch (error) {
    if (error instanceof NotFoundError) return { changes: [], malformed: [] };
    throw error;
  }
  const history: AliasHistory = { changes: [], malformed: [] };
  for (const event of events.reverse()) {
    const parsed = parsePlatformData(event, promotionDecisionData);
    if (!parsed.ok) {
      history.malformed.push(parsed.malformed);
      continue;
    }
    const { data } = parsed;
    history.changes.push({
      at: event.recordedAt,
      outcome: data.outcome,
      decidedBy: data.decidedBy,
      fromVersion: data.championVersion,
      toVersion: data.challengerVersion,
      reviewer: data.reviewer,
      reason: data.reason,
      datasetDigest: data.datasetDigest,
      pipelineId: data.workflowId.replace(/\/promotion$/, ''),
      interval: data.interval ?? null,
    });
  }
  return history;
};
