// Event payloads shared by the gRPC runs and their plain-pg baselines, so both store the same
// JSON. Deterministic, ~300 bytes of data and a small metadata object per event.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AppendRequest, NewEvent } from '../gen/hindsight/v1/eventstore.js';
import { categoryOf } from '../eventstore/validation.js';

export { categoryOf };

export const EVENT_TYPE = 'OrderPlaced';
export const ACTOR = 'bench';

export interface BenchEvent {
  id: string;
  dataJson: string;
  correlationId: string;
  /** The metadata the server stores for this event: what the gRPC fields below become. */
  metadataJson: string;
}

const SKUS = ['SKU-1001', 'SKU-2040', 'SKU-3310', 'SKU-4177', 'SKU-5095'];

export const dataJson = (i: number): string =>
  JSON.stringify({
    orderId: `ord-${i.toString().padStart(8, '0')}`,
    customer: { id: `cust-${i % 997}`, tier: i % 3 === 0 ? 'gold' : 'standard' },
    lines: [0, 1, 2].map((k) => ({
      sku: SKUS[(i + k) % SKUS.length],
      qty: 1 + ((i + k) % 4),
      price: Math.round(((i * 7 + k * 13) % 10_000) + 99) / 100,
    })),
    currency: 'EUR',
    channel: i % 2 === 0 ? 'web' : 'store',
    note: 'benchmark payload, deterministic per event index',
  });

let counter = 0;

export const benchEvent = (correlationId: string = randomUUID()): BenchEvent => {
  const i = counter++;
  return {
    id: randomUUID(),
    dataJson: dataJson(i),
    correlationId,
    // The server merges metadata bytes (none here), then correlation_id, then actor.
    metadataJson: JSON.stringify({ correlation_id: correlationId, actor: ACTOR }),
  };
};

export const toNewEventMessage = (event: BenchEvent): NewEvent => ({
  eventId: event.id,
  type: EVENT_TYPE,
  schemaVersion: 1,
  data: Buffer.from(event.dataJson, 'utf8'),
  occurredAtMs: 0,
  correlationId: event.correlationId,
  causationId: '',
  actor: ACTOR,
  metadata: Buffer.alloc(0),
});

/** One append of the benchmark: the same events go over gRPC and into the baseline table. */
export interface PlannedAppend {
  streamId: string;
  /** The stream's version before this append (the baseline table has no streams table). */
  version: number;
  events: BenchEvent[];
}

export const toAppendRequest = ({ streamId, events }: PlannedAppend): AppendRequest => ({
  streamId,
  events: events.map(toNewEventMessage),
  expected: undefined, // any
});

/** The baseline: a plain multi-row INSERT of an append's rows, returning their event ids. */
const INSERT_ROWS = /* sql */ `
  insert into bench_baseline
    (stream_id, stream_version, event_id, event_type, schema_version, category, data, metadata,
     occurred_at)
  select $1, $2::int8 + u.ord, u.id, $3, 1, $4, u.data, u.metadata, now()
    from unnest($5::uuid[], $6::jsonb[], $7::jsonb[]) with ordinality as u(id, data, metadata, ord)
  returning event_id`;

/** Inserts an append's rows; with `notify`, in the same statement sends their ids on that channel. */
export const insertPlannedAppend = (client: pg.Client, planned: PlannedAppend, notify?: string) =>
  client.query(
    notify
      ? `with i as (${INSERT_ROWS}) select pg_notify('${notify}', string_agg(i.event_id::text, ',')) from i`
      : INSERT_ROWS,
    [
      planned.streamId,
      planned.version,
      EVENT_TYPE,
      categoryOf(planned.streamId),
      planned.events.map((e) => e.id),
      planned.events.map((e) => e.dataJson),
      planned.events.map((e) => e.metadataJson),
    ],
  );
