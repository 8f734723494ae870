// Loads the demo history into the store quickly enough for a million events: 16 appenders at
// once, each owning the streams that hash to it, so every stream's events keep their order.
// The history is generated lazily and loaded in chunks, so a loader can stop at 250k events and
// go on to 1M later with the same history.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { demoEventId } from '../demo/demoEventIds.js';
import { generateDemoEvents, type DemoEvent } from '../demo/workOrders.js';
import { appendToStream } from '../eventstore/appendToStream.js';
import type { NewEvent } from '../eventstore/types.js';

const APPENDERS = 16;
const CHUNK = 16_000;
const SEED = 42;
/** The demo averages about 7 events per work order (6.9 to 7.3 by size); 6 leaves some spare. */
const EVENTS_PER_WORK_ORDER = 6;

export interface DemoLoader {
  /** Appends the history's next events until the log holds `total` of them. */
  loadUntil(total: number): Promise<void>;
  close(): Promise<void>;
}

/** FNV-1a: a stable, cheap spread of stream ids over the appenders. */
const appenderOf = (streamId: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) {
    hash ^= streamId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % APPENDERS;
};

/** One append per run of consecutive events of the same stream. */
const appendInOrder = async (client: pg.Client, events: DemoEvent[]): Promise<void> => {
  let batch: NewEvent[] = [];
  let streamId = '';
  for (const event of events) {
    if (event.streamId !== streamId && batch.length > 0) {
      await appendToStream(client, streamId, batch);
      batch = [];
    }
    streamId = event.streamId;
    batch.push(event.event);
  }
  if (batch.length > 0) await appendToStream(client, streamId, batch);
};

/**
 * Technicians per 150 work orders: the demo makes about one order per technician every two days,
 * so any capacity spans some nine months from its start (January 2026) and ends before the day
 * it is loaded. A history running into the future would leave its rows immature (the log's clock
 * stops at the time events are recorded) and train on a sliver of them.
 */
const ORDERS_PER_TECHNICIAN = 150;

/** The history a loader of this capacity loads, from its start: the same events in the same order. */
export const demoHistory = (capacity: number): Generator<DemoEvent> => {
  const workOrders = Math.ceil(capacity / EVENTS_PER_WORK_ORDER);
  return generateDemoEvents({
    seed: SEED,
    workOrders,
    technicians: Math.max(8, Math.ceil(workOrders / ORDERS_PER_TECHNICIAN)),
  });
};

/** @param capacity the most events any `loadUntil` will ask for */
export const createDemoLoader = async (
  databaseUrl: string,
  capacity: number,
): Promise<DemoLoader> => {
  // A lost commit of the loader would only fail the run: no need to wait for each one's fsync.
  const clients = Array.from(
    { length: APPENDERS },
    () =>
      new pg.Client({
        connectionString: databaseUrl,
        application_name: 'bench-demo-loader',
        options: '-c synchronous_commit=off',
      }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  const history = demoHistory(capacity);
  let loaded = 0;

  const loadChunk = async (size: number): Promise<void> => {
    const shards: DemoEvent[][] = clients.map(() => []);
    for (let i = 0; i < size; i++) {
      const next = history.next();
      if (next.done) throw new Error(`the demo history ends after ${loaded + i} events`);
      const { streamId, event } = next.value;
      // The ids `hindsight demo` would give these events.
      shards[appenderOf(streamId)]?.push({
        streamId,
        event: { ...event, eventId: demoEventId(SEED, loaded + i) },
      });
    }
    await Promise.all(clients.map((client, i) => appendInOrder(client, shards[i] ?? [])));
    loaded += size;
  };

  return {
    loadUntil: async (total) => {
      const started = performance.now();
      const from = loaded;
      let reported = loaded;
      while (loaded < total) {
        await loadChunk(Math.min(CHUNK, total - loaded));
        if (loaded - reported >= 100_000 || loaded === total) {
          const rate = (loaded - from) / ((performance.now() - started) / 1000);
          console.log(`  loaded ${loaded}/${total} demo events (${Math.round(rate)} events/s)`);
          reported = loaded;
        }
      }
    },
    close: () => Promise.all(clients.map((client) => client.end())).then(() => undefined),
  };
};
