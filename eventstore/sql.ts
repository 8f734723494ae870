import type pg from 'pg';

/** Anything that runs a query: a pool, a pooled client or a client inside a transaction. */
export type Sql = pg.Pool | pg.PoolClient | pg.Client;

/** Namespace of the advisory locks that serialise writes to one stream. */
export const STREAM_LOCK_NAMESPACE = 1213420371;

/** SQL that maps a row of hindsight.events to a StoredEvent; payloads stay JSON text. */
export const STORED_EVENT_COLUMNS = /* sql */ `
  e.event_id::text as "eventId", e.stream_id as "streamId", e.stream_version as "streamVersion",
  e.global_position as "globalPosition", e.tx_id as "transactionId", e.event_type as "type",
  e.schema_version as "schemaVersion", e.data::text as "data", e.metadata::text as "metadata",
  (extract(epoch from e.occurred_at) * 1000)::int8 as "occurredAt",
  (extract(epoch from e.recorded_at) * 1000)::int8 as "recordedAt"`;
