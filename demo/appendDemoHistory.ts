// Appends the demo history through the gRPC API, as any client application would.
import type { HindsightClient } from '../sdk/client.js';
import { demoEventId } from './demoEventIds.js';
import type { DemoEvent } from './workOrders.js';

export interface DemoAppendResult {
  /** Events of the range appended now. */
  appended: number;
  /** Events of the range that an earlier run had appended: recognised, nothing written. */
  duplicates: number;
}

export interface DemoAppender {
  /** Appends `history[from, to)`, in order. */
  append(
    from: number,
    to: number,
    onProgress?: (done: number, total: number) => void,
  ): Promise<DemoAppendResult>;
  /** Streams written so far. */
  readonly streams: number;
}

/**
 * Event ids derive from the seed and the event's index, so running the demo twice appends
 * nothing new: the store recognises each event and returns its original result.
 */
export const createDemoAppender = (
  api: Pick<HindsightClient['eventStore'], 'append'>,
  seed: number,
  history: readonly DemoEvent[],
): DemoAppender => {
  const versions = new Map<string, number>();
  return {
    get streams() {
      return versions.size;
    },
    append: async (from, to, onProgress = () => undefined) => {
      let duplicates = 0;
      for (let i = from; i < to; i += 1) {
        const { streamId, event } = history[i] as DemoEvent;
        const result = await api.append({
          streamId,
          expected: { $case: 'expectedVersion', expectedVersion: versions.get(streamId) ?? 0 },
          events: [
            {
              eventId: demoEventId(seed, i),
              type: event.type,
              schemaVersion: event.schemaVersion ?? 1,
              data: Buffer.from(JSON.stringify(event.data)),
              occurredAtMs: event.occurredAt ?? 0,
              correlationId: '',
              causationId: '',
              actor: 'demo-generator',
              metadata: Buffer.alloc(0),
            },
          ],
        });
        if (result.duplicate) duplicates += 1;
        versions.set(streamId, result.streamVersion);
        if ((i - from) % 50 === 0 || i === to - 1) onProgress(i - from + 1, to - from);
      }
      return { appended: to - from - duplicates, duplicates };
    },
  };
};
