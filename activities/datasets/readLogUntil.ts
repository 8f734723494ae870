// Streams the global log up to a cut, in commit order and in batches, as the events a feature
// view reads. Memory stays bounded by the batch size, whatever the size of the log.
import type { EventStore } from '../../eventstore/eventStore.js';
import type { Cut, Position } from '../../eventstore/types.js';
import { parseStoredEvent } from '../../eventstore/types.js';
import type { LogEvent } from '../../ml/featureView.js';

export interface LogBatch {
  events: LogEvent[];
  /** Where reading resumes after this batch (a heartbeat checkpoint). */
  checkpoint: Position;
}

export interface ReadLogOptions {
  cut: Cut;
  /** Resume after this position (from a heartbeat), or read from the start. */
  after?: Position;
  batchSize?: number;
  eventTypes?: readonly string[];
}

export async function* readLogUntil(
  store: Pick<EventStore, 'readAll'>,
  {
    cut,
    after = { transactionId: 0, globalPosition: 0 },
    batchSize = 5000,
    eventTypes,
  }: ReadLogOptions,
): AsyncGenerator<LogBatch> {
  let checkpoint = after;
  for (;;) {
    const page = await store.readAll({
      after: checkpoint,
      limit: batchSize,
      until: cut.transactionId,
      eventTypes,
    });
    checkpoint = page.checkpoint;
    if (page.events.length > 0) {
      yield { events: page.events.map((event) => parseStoredEvent(event)), checkpoint };
    }
    if (page.reachedEnd) return;
  }
}
