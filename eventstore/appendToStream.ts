import {
  EventIdConflictError,
  StreamArchivedError,
  ValidationError,
  WrongExpectedVersionError,
} from './errors.js';
import type { Sql } from './sql.js';
import type { AppendResult, ExpectedVersion, NewEvent } from './types.js';
import {
  categoryOf,
  prepareEvents,
  validateExpectedVersion,
  validateStreamId,
  type AppendLimits,
  type PreparedEvent,
} from './validation.js';

interface AppendRow {
  outcome: 'appended' | 'duplicate' | 'wrong_version' | 'archived' | 'id_conflict';
  stream_version: number;
  stream_exists: boolean;
  tx_id: number | null;
  positions: number[] | null;
  conflict_event_id: string | null;
}

const describeExpected = (expected: ExpectedVersion): string =>
  expected.kind === 'exact' ? `version ${expected.version}` : expected.kind.replace('_', ' ');

// Built by hand so that each event's data, already JSON text, is spliced in without re-encoding.
const encodeBatch = (events: PreparedEvent[]): string =>
  '[' +
  events
    .map(
      (e) =>
        `{"id":"${e.id}","type":"${e.type}","schema_version":${e.schemaVersion},"occurred_at":${
          e.occurredAt === null ? 'null' : `"${new Date(e.occurredAt).toISOString()}"`
        },"data":${e.dataJson},"metadata":${e.metadataJson}}`,
    )
    .join(',') +
  ']';

/**
 * Appends events to a stream atomically, in one round trip. Idempotent by event id: re-sending
 * the same batch at the same position returns the original result and writes nothing.
 */
export const appendToStream = async (
  sql: Sql,
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedVersion = { kind: 'any' },
  limits: AppendLimits = {},
): Promise<AppendResult> => {
  validateStreamId(streamId);
  validateExpectedVersion(expected);
  const prepared = prepareEvents(events, limits);
  let row: AppendRow | undefined;
  const batch = encodeBatch(prepared);
  try {
    // A named statement: parsed once per connection, not once per append.
    const result = await sql.query<AppendRow>({
      name: 'hindsight_append_to_stream',
      text: 'select * from hindsight.append_to_stream($1, $2, $3, $4, $5)',
      values: [
        streamId,
        categoryOf(streamId),
        expected.kind,
        expected.kind === 'exact' ? expected.version : null,
        batch,
      ],
    });
    row = result.rows[0];
  } catch (error) {
    throw mapAppendError(error);
  }
  if (!row) throw new Error('append_to_stream returned no row');
  switch (row.outcome) {
    case 'appended':
    case 'duplicate':
      return {
        streamVersion: row.stream_version,
        // bigint[] comes back as text: the pool parses only scalar 64-bit integers.
        globalPositions: (row.positions ?? []).map(Number),
        eventIds: prepared.map((e) => e.id),
        transactionId: row.tx_id ?? 0,
        duplicate: row.outcome === 'duplicate',
      };
    case 'wrong_version':
      throw new WrongExpectedVersionError(
        streamId,
        describeExpected(expected),
        row.stream_version,
        row.stream_exists,
      );
    case 'archived':
      throw new StreamArchivedError(streamId);
    case 'id_conflict': {
      const retried = await retryAfterMigration(sql, streamId, expected, batch);
      if (retried) return { ...retried, eventIds: prepared.map((e) => e.id), duplicate: true };
      throw new EventIdConflictError(
        row.conflict_event_id ?? '?',
        'was already appended with other content or at another position',
      );
    }
  }
};

/**
 * A retry of an append whose events an upcasting migration rewrote since: the same batch, as
 * the originals the migration kept, is still a duplicate and returns the original result.
 */
const retryAfterMigration = async (
  sql: Sql,
  streamId: string,
  expected: ExpectedVersion,
  batch: string,
): Promise<Omit<AppendResult, 'eventIds' | 'duplicate'> | null> => {
  const { rows } = await sql.query<{
    stream_version: number;
    tx_id: number;
    positions: number[];
  }>('select * from hindsight.append_retry_after_migration($1, $2, $3, $4)', [
    streamId,
    expected.kind,
    expected.kind === 'exact' ? expected.version : null,
    batch,
  ]);
  const row = rows[0];
  return row
    ? {
        streamVersion: row.stream_version,
        globalPositions: row.positions.map(Number),
        transactionId: row.tx_id,
      }
    : null;
};

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
  message: string;
}

const mapAppendError = (error: unknown): unknown => {
  const pgError = error as PgError;
  // A concurrent append to another stream used the same event id.
  // An id of the batch was used before (or concurrently, in another stream).
  if (pgError.code === '23505' && pgError.constraint === 'events_event_id_key') {
    const id = /\(event_id\)=\(([0-9a-f-]+)\)/.exec(pgError.detail ?? '')?.[1] ?? '(in this batch)';
    return new EventIdConflictError(
      id,
      'was already appended with other content or at another position',
    );
  }
  // Class 22, data exceptions: input PostgreSQL cannot store (e.g. an unpaired surrogate in JSON);
  // class 54, limits exceeded (e.g. JSON nested too deeply for the server's stack).
  if (pgError.code?.startsWith('22') || pgError.code?.startsWith('54')) {
    return new ValidationError('events', `cannot be stored: ${pgError.message}`);
  }
  return error;
};
