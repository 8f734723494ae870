// One error taxonomy for the event store; each boundary maps it once (gRPC status codes,
// Temporal ApplicationFailure types, HTTP statuses).

export type EventStoreErrorCode =
  | 'VALIDATION'
  | 'WRONG_EXPECTED_VERSION'
  | 'NOT_FOUND'
  | 'STREAM_ARCHIVED'
  | 'EVENT_ID_CONFLICT'
  | 'RESERVED';

export abstract class EventStoreError extends Error {
  abstract readonly code: EventStoreErrorCode;
}

export class ValidationError extends EventStoreError {
  readonly code = 'VALIDATION';
  /** Dotted path of the offending input field, e.g. `events[2].data`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'ValidationError';
    this.field = field;
  }
}

export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_VERSION';
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actualVersion: number,
    readonly streamExists: boolean,
  ) {
    const actual = streamExists ? `its version is ${actualVersion}` : 'it does not exist';
    super(`stream '${streamId}': expected ${expected}, but ${actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export class NotFoundError extends EventStoreError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly kind: 'stream' | 'checkpoint',
    readonly id: string,
  ) {
    super(`${kind} '${id}' not found`);
    this.name = 'NotFoundError';
  }
}

export class StreamArchivedError extends EventStoreError {
  readonly code = 'STREAM_ARCHIVED';
  constructor(readonly streamId: string) {
    super(`stream '${streamId}' is archived: its events stay readable, appends are refused`);
    this.name = 'StreamArchivedError';
  }
}

export class EventIdConflictError extends EventStoreError {
  readonly code = 'EVENT_ID_CONFLICT';
  constructor(
    readonly eventId: string,
    detail: string,
  ) {
    super(`event id ${eventId} ${detail}`);
    this.name = 'EventIdConflictError';
  }
}

/** A name (stream, event type) that only the platform may write; the caller may not. */
export class ReservedNameError extends EventStoreError {
  readonly code = 'RESERVED';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ReservedNameError';
  }
}
