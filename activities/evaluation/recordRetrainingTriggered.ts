// Why live evaluation started a retraining, in the log beside its ModelEvaluated events.
import type { EventStore } from '../../eventstore/index.js';
import {
  RETRAINING_TRIGGERED,
  evaluationStreamOf,
  type RetrainingTriggered,
} from '../../platform/evaluationEvents.js';
import { namedEventId } from '../namedEventId.js';

/** The trigger as it is recorded: the data of its `RetrainingTriggered`. */
export type RecordRetrainingInput = RetrainingTriggered;

export const recordRetrainingTriggered = async (
  store: Pick<EventStore, 'append'>,
  input: RecordRetrainingInput,
): Promise<{ globalPosition: number }> => {
  const result = await store.append(
    evaluationStreamOf(input.name),
    [
      {
        eventId: namedEventId(`${input.name}/${RETRAINING_TRIGGERED}/${input.pipelineId}`),
        type: RETRAINING_TRIGGERED,
        data: { ...input, windows: input.windows.map((w) => ({ ...w })) },
      },
    ],
    { kind: 'any' },
  );
  return { globalPosition: result.globalPositions[0] ?? 0 };
};
