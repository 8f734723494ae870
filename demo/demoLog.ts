// The demo history as a committed log, without a database: each event in its own
// transaction, in business-time order, as `hindsight demo` appends it. For feature-view
// tests and benchmarks; lazy, so a million events never sit in memory at once.
import type { LogEvent } from '../ml/featureView.js';
import { demoEventId } from './demoEventIds.js';
import { generateDemoEvents, type DemoEvent, type DemoOptions } from './workOrders.js';

export interface DemoLogOptions {
  /** The seed whose event ids these are. */
  seed?: number;
  /**
   * `demo`: the ids `hindsight demo` appends (UUIDv5, about 4 µs each); `sequential`: cheap
   * UUIDv8 ids counting up from 1, when only speed matters.
   */
  eventIds?: 'demo' | 'sequential';
  /** The first event's transaction id; later ones count up from it. */
  firstTransactionId?: number;
}

const sequentialId = (n: number): string =>
  `00000000-0000-8000-8000-${n.toString(16).padStart(12, '0')}`;

export function* recordDemoLog(
  events: Iterable<DemoEvent>,
  { seed = 42, eventIds = 'demo', firstTransactionId = 1000 }: DemoLogOptions = {},
): Generator<LogEvent, void, undefined> {
  const versions = new Map<string, number>();
  let index = 0;
  for (const { streamId, event } of events) {
    const streamVersion = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, streamVersion);
    const occurredAt = event.occurredAt ?? 0;
    yield {
      eventId:
        event.eventId ?? (eventIds === 'demo' ? demoEventId(seed, index) : sequentialId(index + 1)),
      streamId,
      streamVersion,
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data ?? {},
      occurredAt,
      recordedAt: occurredAt,
      globalPosition: index + 1,
      transactionId: firstTransactionId + index,
    };
    index += 1;
  }
}

/** The demo history of these options as a committed log. */
export const generateDemoLog = (
  options: DemoOptions = {},
  logOptions: Omit<DemoLogOptions, 'seed'> = {},
): Generator<LogEvent, void, undefined> =>
  recordDemoLog(generateDemoEvents(options), { ...logOptions, seed: options.seed ?? 42 });
