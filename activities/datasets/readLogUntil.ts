// Streams the global log up to a cut, in commit order and in batches, as the events a feature
// view reads. Memory stays bounded by the batch size, whatever the size of the log.
import {
  type Cut,
  type EventStore,
  type Position,
  type ReadAllPage,
  START,
} from '../../eventstore/index.js';
import { logEventOf, type LogEvent } from '../../ml/featureView.js';

export interface LogBatch {
  events: LogEvent[];
  /** Where reading resumes after this batch (a heartbeat checkpoint). */
  checkpoint: Position;
  /** The last batch: nothing below the cut lies after it. */
  reachedEnd: boolean;
}

export interface ReadLogOptions {
  cut: Pick<Cut, 'transactionId'>;
  /** Resume after this position (from a heartbeat), or read from the start. */
  after?: Position;
  batchSize?: number;
  eventTypes?: readonly string[];
}

/**
 * Reads one page ahead: the next page is on its way from PostgreSQL while the caller works on
 * this one, so reading and computing overlap.
 */
export async function* readLogUntil(
  store: Pick<EventStore, 'readAll'>,
  { cut, after = START, batchSize = 5000, eventTypes }: ReadLogOptions,
): AsyncGenerator<LogBatch> {
  const fetchAfter = (checkpoint: Position) =>
    store.readAll({ after: checkpoint, limit: batchSize, until: cut.transactionId, eventTypes });
  let next: Promise<ReadAllPage> | undefined = fetchAfter(after);
  try {
    while (next) {
      const page: ReadAllPage = await next;
      next = page.reachedEnd ? undefined : fetchAfter(page.checkpoint);
      // A consumer that stops early leaves the prefetch unread: its failure must not surface.
      next?.catch(() => undefined);
      if (page.events.length > 0 || page.reachedEnd) {
        yield {
          events: page.events.map(logEventOf),
          checkpoint: page.checkpoint,
          reachedEnd: page.reachedEnd,
        };
      }
    }
  } finally {
    await next?.catch(() => undefined);
  }
}
