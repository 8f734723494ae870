// The event store's vocabulary. Everything here is JSON-safe: numbers, strings, plain objects.

export type JsonObject = { [key: string]: unknown };

/**
 * A place in the global log. The log's order is (transactionId, globalPosition); a position
 * means "everything up to and including this point". `{ transactionId: h, globalPosition: 0 }`
 * means "everything in transactions below h" (positions start at 1).
 */
export interface Position {
  transactionId: number;
  globalPosition: number;
}

export const START: Position = Object.freeze({ transactionId: 0, globalPosition: 0 });

/**
 * A cut of the log: every event whose transaction id is below `transactionId` is committed,
 * and no event committed later can get an id below it. Reading up to a cut is reproducible.
 */
export interface Cut {
  transactionId: number;
  takenAt: number;
}

export interface EventMetadata {
  correlation_id?: string;
  causation_id?: string;
  actor?: string;
  [key: string]: unknown;
}

/** An event to append. `data` is a JSON object, or its JSON text in `dataJson`. */
export interface NewEvent {
  eventId?: string;
  type: string;
  schemaVersion?: number;
  data?: JsonObject;
  dataJson?: string;
  metadata?: EventMetadata;
  /** Business time in ms since the epoch; omitted: the time of recording. */
  occurredAt?: number;
}

export type ExpectedVersion =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'exact'; version: number };

export const ANY: ExpectedVersion = Object.freeze({ kind: 'any' });
export const NO_STREAM: ExpectedVersion = Object.freeze({ kind: 'no_stream' });
export const STREAM_EXISTS: ExpectedVersion = Object.freeze({ kind: 'stream_exists' });
export const exactly = (version: number): ExpectedVersion => ({ kind: 'exact', version });

export interface AppendResult {
  streamVersion: number;
  globalPositions: number[];
  eventIds: string[];
  transactionId: number;
  /** True when the same batch had been appended before and nothing was written. */
  duplicate: boolean;
}

/** An event as stored, with its payloads as JSON text (cheap to pass on untouched). */
export interface StoredEvent {
  eventId: string;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  transactionId: number;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
  occurredAt: number;
  recordedAt: number;
  /**
   * Set when the upcasters failed on this event (a poison event): it is returned as stored, at
   * its stored schema version, and this says why. Absent on every event read as usual.
   */
  upcastError?: string;
}

/** What a read does with an event its upcasters fail on. */
export interface UpcastFailureOption {
  /** Leave such events out; by default they are returned as stored, with `upcastError` set. */
  skipUpcastFailures?: boolean;
}

/** An event as stored, with its payloads parsed. */
export interface RecordedEvent<Data extends JsonObject = JsonObject> extends Omit<
  StoredEvent,
  'data' | 'metadata'
> {
  data: Data;
  metadata: EventMetadata;
}

export interface StreamInfo {
  streamId: string;
  category: string;
  version: number;
  archived: boolean;
  createdAt: number;
  firstEventAt: number | null;
  lastEventAt: number | null;
}

export interface LogFilter {
  eventTypes?: readonly string[];
  categories?: readonly string[];
}

export interface ReadAllPage {
  events: StoredEvent[];
  /** Where the next read continues; may move past the last event when a filter skipped rows. */
  checkpoint: Position;
  /** True when the page reached the end of what is readable now (or the `until` cut). */
  reachedEnd: boolean;
}

export const comparePositions = (a: Position, b: Position): number =>
  a.transactionId - b.transactionId || a.globalPosition - b.globalPosition;

export const parseStoredEvent = <Data extends JsonObject = JsonObject>(
  event: StoredEvent,
): RecordedEvent<Data> => ({
  ...event,
  data: JSON.parse(event.data) as Data,
  metadata: JSON.parse(event.metadata) as EventMetadata,
});
