// The events a migration rewrites (its type, below its cut, stored below its target version), read
// in commit order after a cursor, and upcast one row at a time.
import type { JsonObject } from '../../types.js';
import type { UpcasterRegistry } from '../upcasters.js';
import type { MigrationFailure } from './types.js';

export interface EventRow {
  global_position: string;
  tx_id: string;
  event_id: string;
  stream_id: string;
  schema_version: number;
  data: string;
  occurred_at: string;
}

export const SCOPE = /* sql */ `e.event_type = $1 and e.tx_id < $2::text::xid8 and e.schema_version < $3`;

export const SELECT_EVENTS = /* sql */ `
  select e.global_position, e.tx_id::text as tx_id, e.event_id::text as event_id, e.stream_id,
         e.schema_version, e.data::text as data,
         (extract(epoch from e.occurred_at) * 1000)::int8 as occurred_at
    from hindsight.events e
   where ${SCOPE} and (e.tx_id, e.global_position) > ($4::text::xid8, $5::bigint)
   order by e.tx_id, e.global_position
   limit $6`;

export const upcastRow = (upcasters: UpcasterRegistry, eventType: string, toVersion: number) => {
  return (row: EventRow): JsonObject =>
    upcasters.upcast(
      {
        eventId: row.event_id,
        streamId: row.stream_id,
        type: eventType,
        occurredAt: Number(row.occurred_at),
        schemaVersion: row.schema_version,
        data: JSON.parse(row.data) as JsonObject,
      },
      toVersion,
    ).data;
};

export const failureOf = (row: EventRow, error: unknown): MigrationFailure => ({
  eventId: row.event_id,
  streamId: row.stream_id,
  globalPosition: Number(row.global_position),
  schemaVersion: row.schema_version,
  message: (error as Error).message,
});
