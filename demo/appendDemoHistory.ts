// Appends the demo history through the gRPC API, as any client application would.
import type { EventStoreCalls } from '../cli/grpcClient.js';
import { demoEventId } from './demoEventIds.js';
import { generateDemoHistory, type DemoOptions } from './workOrders.js';

export interface DemoAppendResult {
  events: number;
  streams: number;
  duplicates: number;
}

/**
 * Event ids derive from the seed, so running the demo twice appends nothing new:
 * the store recognises each batch and returns its original result.
 */
export const appendDemoHistory = async (
  api: EventStoreCalls,
  options: DemoOptions & { seed: number },
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<DemoAppendResult> => {
  const history = generateDemoHistory(options);
  const versions = new Map<string, number>();
  let duplicates = 0;
  for (const [i, { streamId, event }] of history.entries()) {
    const version = versions.get(streamId) ?? 0;
    const result = await api.append({
      streamId,
      expected: { $case: 'expectedVersion', expectedVersion: version },
      events: [
        {
          eventId: demoEventId(options.seed, i),
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
    if (i % 50 === 0 || i === history.length - 1) onProgress(i + 1, history.length);
  }
  return { events: history.length, streams: versions.size, duplicates };
};
