// Conversions between the generated protobuf messages and the event store's own types.
import {
  checkJsonDepth,
  type EventMetadata,
  type ExpectedVersion,
  type NewEvent,
  parseJsonObject,
  type Position,
  type QuarantinedEventEntry,
  type StoredEvent,
  ValidationError,
} from '../../eventstore/index.js';
import {
  ExpectedState,
  type AppendRequest,
  type NewEvent as NewEventMessage,
  type Position as PositionMessage,
  type QuarantinedEvent,
  type RecordedEvent,
} from '../../gen/hindsight/v1/eventstore.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const decodeUtf8 = (bytes: Uint8Array, field: string): string => {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ValidationError(field, 'is not valid UTF-8');
  }
};

export const toNewEvent = (message: NewEventMessage, index: number): NewEvent => {
  const at = `events[${index}]`;
  const custom =
    message.metadata.length === 0
      ? {}
      : parseJsonObject(decodeUtf8(message.metadata, `${at}.metadata`), `${at}.metadata`);
  const metadata: EventMetadata = { ...custom };
  if (message.correlationId) metadata.correlation_id = message.correlationId;
  if (message.causationId) metadata.causation_id = message.causationId;
  if (message.actor) metadata.actor = message.actor;
  if (message.data.length === 0)
    throw new ValidationError(`${at}.data`, 'is required: a JSON object');
  return {
    eventId: message.eventId,
    type: message.type,
    schemaVersion: message.schemaVersion === 0 ? 1 : message.schemaVersion,
    dataJson: decodeUtf8(message.data, `${at}.data`),
    metadata,
    occurredAt: message.occurredAtMs === 0 ? undefined : message.occurredAtMs,
  };
};

export const toExpectedVersion = (expected: AppendRequest['expected']): ExpectedVersion => {
  if (expected === undefined) return { kind: 'any' };
  if (expected.$case === 'expectedVersion')
    return { kind: 'exact', version: expected.expectedVersion };
  switch (expected.expectedState) {
    case ExpectedState.EXPECTED_STATE_UNSPECIFIED:
    case ExpectedState.EXPECTED_STATE_ANY:
      return { kind: 'any' };
    case ExpectedState.EXPECTED_STATE_NO_STREAM:
      return { kind: 'no_stream' };
    case ExpectedState.EXPECTED_STATE_STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      throw new ValidationError(
        'expected_state',
        `unknown value ${String(expected.expectedState)}`,
      );
  }
};

export const toPosition = (message: PositionMessage | undefined): Position | undefined =>
  message && { transactionId: message.transactionId, globalPosition: message.globalPosition };

export const toRecordedEventMessage = (event: StoredEvent): RecordedEvent => ({
  eventId: event.eventId,
  streamId: event.streamId,
  streamVersion: event.streamVersion,
  globalPosition: event.globalPosition,
  transactionId: event.transactionId,
  type: event.type,
  schemaVersion: event.schemaVersion,
  data: Buffer.from(event.data, 'utf8'),
  metadata: Buffer.from(event.metadata, 'utf8'),
  occurredAtMs: event.occurredAt,
  recordedAtMs: event.recordedAt,
  upcastError: event.upcastError ?? '',
});

/** An event's weight in a message: its payloads and an allowance for the other fields. */
export const messageBytes = (event: RecordedEvent): number =>
  event.data.length + event.metadata.length + 160;

/** Splits events into messages of at most `maxBytes` of payload (at least one event each). */
export const chunkBySize = (events: RecordedEvent[], maxBytes: number): RecordedEvent[][] => {
  const chunks: RecordedEvent[][] = [];
  let current: RecordedEvent[] = [];
  let size = 0;
  for (const event of events) {
    const eventSize = messageBytes(event);
    if (current.length > 0 && size + eventSize > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(event);
    size += eventSize;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};

export const toQuarantinedEventMessage = (entry: QuarantinedEventEntry): QuarantinedEvent => ({
  viewName: entry.view,
  viewCodeHash: entry.codeHash,
  upcastersHash: entry.upcastersHash,
  eventId: entry.eventId,
  streamId: entry.streamId,
  type: entry.type,
  schemaVersion: entry.schemaVersion,
  position: entry.position,
  stage: entry.stage,
  reason: entry.reason,
  quarantinedAtMs: entry.quarantinedAt,
});

/** A request's JSON bytes field: undefined when empty; refused when not JSON or nested too deep. */
export const parseJsonField = (field: string, bytes: Uint8Array): unknown => {
  if (bytes.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch (error) {
    throw new ValidationError(field, `is not JSON: ${(error as Error).message}`);
  }
  // Refused before any check or serializer (which recurse) walks it.
  checkJsonDepth(value, field);
  return value;
};
