// Why live evaluation started a retraining, in the log beside its ModelEvaluated events.
import type { EventStore } from '../../eventstore/eventStore.js';
import { namedEventId } from '../namedEventId.js';
import { evaluationStreamOf } from './evaluateLiveWindows.js';

export const RETRAINING_TRIGGERED = 'RetrainingTriggered';

export interface RecordRetrainingInput {
  name: string;
  modelName: string;
  championVersion: string;
  pipelineId: string;
  reason: string;
  /** The windows that made the streak, with their figure. */
  windows: { windowStart: number; value: number | null }[];
  metric: string;
}

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
