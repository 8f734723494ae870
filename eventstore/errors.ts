// The event store's errors: HindsightErrors (platform/errors.ts) with the stream, event or field
// they are about, so that every boundary maps them by their code and reason alone.
import { HindsightError } from '../platform/errors.js';

export abstract class EventStoreError extends HindsightError {}

export class ValidationError extends EventStoreError {
  /** Dotted path of the offending input field, e.g. `events[2].data`. */
  declare readonly field: string;
  constructor(field: string, message: string) {
    super('INVALID_ARGUMENT', `${field}: ${message}`, { field });
    this.name = 'ValidationError';
  }
}

export class WrongExpectedVersionError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly expected: string,
    readonly actualVersion: number,
    readonly streamExists: boolean,
  ) {
    const actual = streamExists ? `its version is ${actualVersion}` : 'it does not exist';
    super('FAILED_PRECONDITION', `stream '${streamId}': expected ${expected}, but ${actual}`, {
      reason: 'STREAM_VERSION_CONFLICT',
      metadata: {
        stream_id: streamId,
        expected,
        actual_version: String(actualVersion),
        stream_exists: String(streamExists),
      },
    });
    this.name = 'WrongExpectedVersionError';
  }
}

export class NotFoundError extends EventStoreError {
  constructor(
    readonly kind: 'stream' | 'checkpoint',
    readonly id: string,
  ) {
    super('NOT_FOUND', `${kind} '${id}' not found`, {
      reason: `${kind.toUpperCase()}_NOT_FOUND`,
      metadata: { [kind === 'stream' ? 'stream_id' : 'checkpoint_id']: id },
    });
    this.name = 'NotFoundError';
  }
}

export class StreamArchivedError extends EventStoreError {
  constructor(readonly streamId: string) {
    super(
      'FAILED_PRECONDITION',
      `stream '${streamId}' is archived: its events stay readable, appends are refused`,
      { reason: 'STREAM_ARCHIVED', metadata: { stream_id: streamId } },
    );
    this.name = 'StreamArchivedError';
  }
}

export class EventIdConflictError extends EventStoreError {
  constructor(
    readonly eventId: string,
    detail: string,
  ) {
    super('ALREADY_EXISTS', `event id ${eventId} ${detail}`, {
      reason: 'EVENT_ID_CONFLICT',
      metadata: { event_id: eventId },
    });
    this.name = 'EventIdConflictError';
  }
}

/** A name (stream, event type) that only the platform may write; the caller may not. */
export class ReservedNameError extends EventStoreError {
  declare readonly field: string;
  constructor(field: string, message: string) {
    super('PERMISSION_DENIED', `${field}: ${message}`, { reason: 'RESERVED_NAME', field });
    this.name = 'ReservedNameError';
  }
}
