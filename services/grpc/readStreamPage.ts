// ReadStream's page: at most `limit` events, and no more payload than `maxBytes` past its first
// event (a single larger event still comes, alone). A client continues from the version after
// (or, backwards, before) the last event returned. The store is read in steps sized by
// nextPageSize, so a stream of large events never sits in the server's memory whole.
import type { EventStore } from '../../eventstore/index.js';
import type { RecordedEvent } from '../../gen/hindsight/v1/eventstore.js';
import { messageBytes, toRecordedEventMessage } from './codec.js';
import { nextPageSize } from './pageBudget.js';

export interface ReadStreamPage {
  events: RecordedEvent[];
  streamVersion: number;
}

export const readStreamPage = async (
  store: Pick<EventStore, 'readStream'>,
  streamId: string,
  options: NonNullable<Parameters<EventStore['readStream']>[1]> & { limit: number },
  maxBytes: number,
): Promise<ReadStreamPage> => {
  const backwards = options.direction === 'backwards';
  // Skipped here rather than by the store, so that a step of only flagged events is not taken
  // for the stream's end: steps follow the stored versions.
  const { skipUpcastFailures, ...read } = options;
  const events: RecordedEvent[] = [];
  let bytes = 0;
  let fromVersion = options.fromVersion;
  for (;;) {
    const step = nextPageSize(
      maxBytes,
      { events: events.length, bytes },
      options.limit - events.length,
    );
    const slice = await store.readStream(streamId, { ...read, fromVersion, limit: step });
    for (const event of slice.events) {
      if (skipUpcastFailures && event.upcastError) continue;
      const message = toRecordedEventMessage(event);
      const size = messageBytes(message);
      if (events.length > 0 && bytes + size > maxBytes) {
        return { events, streamVersion: slice.streamVersion };
      }
      events.push(message);
      bytes += size;
    }
    const last = slice.events.at(-1);
    fromVersion = last && (backwards ? last.streamVersion - 1 : last.streamVersion + 1);
    if (
      !last ||
      fromVersion === undefined ||
      fromVersion < 1 ||
      slice.events.length < step ||
      events.length >= options.limit
    ) {
      return { events, streamVersion: slice.streamVersion };
    }
  }
};
