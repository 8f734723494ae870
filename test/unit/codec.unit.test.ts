// Unit tests of the conversions between protobuf messages and the event store's types.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../support/thrown.js';
import { ValidationError } from '../../eventstore/errors.js';
import type { StoredEvent } from '../../eventstore/types.js';
import { prepareEvents } from '../../eventstore/validation.js';
import {
  ExpectedState,
  NewEvent as NewEventMessage,
  RecordedEvent as RecordedEventMessage,
  type AppendRequest,
  type RecordedEvent,
} from '../../gen/hindsight/v1/eventstore.js';
import {
  chunkBySize,
  toExpectedVersion,
  toNewEvent,
  toPosition,
  toRecordedEventMessage,
} from '../../services/grpc/codec.js';

const validationError = (fn: () => unknown): ValidationError => thrownBy(ValidationError, fn);

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);

const message = (partial: Partial<NewEventMessage> = {}): NewEventMessage =>
  NewEventMessage.fromPartial({ type: 'ThingHappened', data: json({ n: 1 }), ...partial });

describe('toNewEvent', () => {
  it('converts a minimal message, with the protobuf defaults meaning "unset"', () => {
    expect(toNewEvent(message(), 0)).toEqual({
      eventId: '',
      type: 'ThingHappened',
      schemaVersion: 1,
      dataJson: '{"n":1}',
      metadata: {},
      occurredAt: undefined,
    });
  });

  it('maps schema version 0 to 1 and keeps any other', () => {
    expect(toNewEvent(message({ schemaVersion: 0 }), 0).schemaVersion).toBe(1);
    expect(toNewEvent(message({ schemaVersion: 1 }), 0).schemaVersion).toBe(1);
    expect(toNewEvent(message({ schemaVersion: 4 }), 0).schemaVersion).toBe(4);
  });

  it('maps occurredAtMs 0 to undefined and keeps any other', () => {
    expect(toNewEvent(message({ occurredAtMs: 0 }), 0).occurredAt).toBeUndefined();
    const at = Date.UTC(2026, 0, 5, 8);
    expect(toNewEvent(message({ occurredAtMs: at }), 0).occurredAt).toBe(at);
  });

  it('passes the event id and the data text on verbatim', () => {
    const data = Buffer.from('{ "käse" : "🧀" }', 'utf8');
    const event = toNewEvent(message({ eventId: 'ABC', data }), 0);
    expect(event.eventId).toBe('ABC');
    expect(event.dataJson).toBe('{ "käse" : "🧀" }');
  });

  it('merges correlation id, causation id and actor into the custom metadata', () => {
    const event = toNewEvent(
      message({
        correlationId: 'corr-1',
        causationId: 'cause-1',
        actor: 'ada',
        metadata: json({ tenant: 't1', retries: 2 }),
      }),
      0,
    );
    expect(event.metadata).toEqual({
      tenant: 't1',
      retries: 2,
      correlation_id: 'corr-1',
      causation_id: 'cause-1',
      actor: 'ada',
    });
  });

  it('lets the message fields win over the same keys in the custom metadata', () => {
    const event = toNewEvent(
      message({ actor: 'ada', metadata: json({ actor: 'bo', correlation_id: 'from-json' }) }),
      0,
    );
    expect(event.metadata).toEqual({ actor: 'ada', correlation_id: 'from-json' });
  });

  it('adds no key for an empty message field', () => {
    const event = toNewEvent(message({ correlationId: '', causationId: '', actor: '' }), 0);
    expect(event.metadata).toEqual({});
  });

  it('refuses invalid UTF-8 in data, naming the event', () => {
    const error = validationError(() => toNewEvent(message({ data: INVALID_UTF8 }), 3));
    expect(error.field).toBe('events[3].data');
    expect(error.message).toContain('not valid UTF-8');
  });

  it('refuses invalid UTF-8 in metadata, naming the event', () => {
    const error = validationError(() => toNewEvent(message({ metadata: INVALID_UTF8 }), 2));
    expect(error.field).toBe('events[2].metadata');
    expect(error.message).toContain('not valid UTF-8');
  });

  it('accepts U+FFFD that was really sent, as valid UTF-8 (EF BF BD)', () => {
    const data = Buffer.from('{"a":"\uFFFD"}', 'utf8');
    expect([...data.subarray(6, 9)]).toEqual([0xef, 0xbf, 0xbd]);
    const event = toNewEvent(message({ data, metadata: json({ note: '\uFFFD' }) }), 0);
    expect(event.dataJson).toBe('{"a":"\uFFFD"}');
    expect(event.metadata).toEqual({ note: '\uFFFD' });
    expect(() => prepareEvents([event])).not.toThrow();
  });

  it('refuses metadata that is not a JSON object', () => {
    expect(
      validationError(() => toNewEvent(message({ metadata: Buffer.from('{') }), 1)).field,
    ).toBe('events[1].metadata');
    expect(
      validationError(() => toNewEvent(message({ metadata: Buffer.from('[1]') }), 0)).message,
    ).toContain('must be a JSON object');
  });

  it('refuses empty data', () => {
    const error = validationError(() => toNewEvent(message({ data: Buffer.alloc(0) }), 5));
    expect(error.field).toBe('events[5].data');
    expect(error.message).toContain('is required');
  });

  it('gives events that prepareEvents accepts', () => {
    const prepared = prepareEvents(
      [
        message({ actor: 'ada', metadata: json({ tenant: 't1' }) }),
        message({ schemaVersion: 2, occurredAtMs: Date.UTC(2026, 0, 1) }),
      ].map(toNewEvent),
    );
    expect(prepared.map((p) => [p.schemaVersion, p.occurredAt])).toEqual([
      [1, null],
      [2, Date.UTC(2026, 0, 1)],
    ]);
    expect(JSON.parse(prepared[0]?.metadataJson ?? '')).toEqual({ tenant: 't1', actor: 'ada' });
  });
});

describe('toExpectedVersion', () => {
  const state = (expectedState: ExpectedState): AppendRequest['expected'] => ({
    $case: 'expectedState',
    expectedState,
  });

  it('maps no expectation to any', () => {
    expect(toExpectedVersion(undefined)).toEqual({ kind: 'any' });
  });

  it.each([0, 1, 42])('maps expected version %d to exact', (version) => {
    expect(toExpectedVersion({ $case: 'expectedVersion', expectedVersion: version })).toEqual({
      kind: 'exact',
      version,
    });
  });

  it.each([
    [ExpectedState.EXPECTED_STATE_UNSPECIFIED, 'any'],
    [ExpectedState.EXPECTED_STATE_ANY, 'any'],
    [ExpectedState.EXPECTED_STATE_NO_STREAM, 'no_stream'],
    [ExpectedState.EXPECTED_STATE_STREAM_EXISTS, 'stream_exists'],
  ])('maps state %d to %s', (expectedState, kind) => {
    expect(toExpectedVersion(state(expectedState))).toEqual({ kind });
  });

  it.each([ExpectedState.UNRECOGNIZED, 99 as ExpectedState])(
    'refuses the unknown state %d',
    (expectedState) => {
      const error = validationError(() => toExpectedVersion(state(expectedState)));
      expect(error.field).toBe('expected_state');
      expect(error.message).toContain(`unknown value ${expectedState}`);
    },
  );
});

describe('toPosition', () => {
  it('converts a message and keeps undefined', () => {
    expect(toPosition(undefined)).toBeUndefined();
    expect(toPosition({ transactionId: 9, globalPosition: 4 })).toEqual({
      transactionId: 9,
      globalPosition: 4,
    });
  });
});

describe('toRecordedEventMessage', () => {
  it('copies every field and encodes the payloads as UTF-8', () => {
    const stored: StoredEvent = {
      eventId: '0190f3a2-7b1c-7d2e-8f00-123456789abc',
      streamId: 'käse-1',
      streamVersion: 3,
      globalPosition: 17,
      transactionId: 800,
      type: 'Ripened',
      schemaVersion: 2,
      data: '{"note":"🧀"}',
      metadata: '{"actor":"ada"}',
      occurredAt: 1000,
      recordedAt: 2000,
    };
    const out = toRecordedEventMessage(stored);
    expect({
      ...out,
      data: out.data.toString('utf8'),
      metadata: out.metadata.toString('utf8'),
    }).toEqual({
      eventId: stored.eventId,
      streamId: 'käse-1',
      streamVersion: 3,
      globalPosition: 17,
      transactionId: 800,
      type: 'Ripened',
      schemaVersion: 2,
      data: '{"note":"🧀"}',
      metadata: '{"actor":"ada"}',
      occurredAtMs: 1000,
      recordedAtMs: 2000,
      upcastError: '',
    });
    expect(out.data.length).toBe(Buffer.byteLength('{"note":"🧀"}', 'utf8'));
    // A poison event carries why the upcasters failed on it.
    expect(toRecordedEventMessage({ ...stored, upcastError: 'no v1 reason' }).upcastError).toBe(
      'no v1 reason',
    );
  });
});

describe('chunkBySize', () => {
  // chunkBySize counts each event as data + metadata + a fixed 160 bytes of framing.
  const OVERHEAD = 160;
  let nextPosition = 1;
  const recorded = (dataBytes: number, metadataBytes = 0): RecordedEvent =>
    RecordedEventMessage.fromPartial({
      globalPosition: nextPosition++,
      data: Buffer.alloc(dataBytes, 0x61),
      metadata: Buffer.alloc(metadataBytes, 0x62),
    });
  const sizeOf = (e: RecordedEvent): number => e.data.length + e.metadata.length + OVERHEAD;

  /** The properties every chunking must have, whatever the sizes. */
  const checkChunking = (events: RecordedEvent[], maxBytes: number): RecordedEvent[][] => {
    const chunks = chunkBySize(events, maxBytes);
    expect(chunks.flat()).toEqual(events); // all events, in order
    chunks.flat().forEach((e, i) => expect(e).toBe(events[i]));
    for (const [i, chunk] of chunks.entries()) {
      expect(chunk.length).toBeGreaterThan(0);
      const size = chunk.reduce((sum, e) => sum + sizeOf(e), 0);
      if (chunk.length > 1) expect(size).toBeLessThanOrEqual(maxBytes);
      // Greedy: the next chunk's first event did not fit into this one.
      const next = chunks[i + 1]?.[0];
      if (next) expect(size + sizeOf(next)).toBeGreaterThan(maxBytes);
    }
    return chunks;
  };

  it('gives no chunk for no events', () => {
    expect(chunkBySize([], 1000)).toEqual([]);
  });

  it('keeps everything in one chunk when it fits', () => {
    const events = [recorded(10), recorded(20), recorded(30)];
    expect(checkChunking(events, 1_000_000)).toEqual([events]);
  });

  it('fills chunks up to the budget exactly, not beyond', () => {
    // Each event weighs 300 + 40 + 160 = 500 bytes.
    const events = Array.from({ length: 7 }, () => recorded(300, 40));
    expect(checkChunking(events, 999).map((c) => c.length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(checkChunking(events, 1000).map((c) => c.length)).toEqual([2, 2, 2, 1]);
    expect(checkChunking(events, 1499).map((c) => c.length)).toEqual([2, 2, 2, 1]);
    expect(checkChunking(events, 1500).map((c) => c.length)).toEqual([3, 3, 1]);
  });

  it('counts the metadata towards the budget', () => {
    const events = [recorded(0, 300), recorded(0, 300), recorded(0, 300)];
    expect(checkChunking(events, 1000).map((c) => c.length)).toEqual([2, 1]);
  });

  it('gives a single oversized event its own chunk', () => {
    const small = recorded(10);
    const huge = recorded(50_000);
    const small2 = recorded(10);
    expect(checkChunking([huge], 1000)).toEqual([[huge]]);
    const chunks = checkChunking([small, huge, small2], 1000);
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toEqual([huge]);
  });

  it('keeps the properties on mixed sizes', () => {
    const sizes = [5, 900, 0, 3000, 120, 120, 120, 4000, 1, 1, 1, 1, 700, 6000, 50];
    const events = sizes.map((n, i) => recorded(n, i % 3 === 0 ? 100 : 0));
    for (const maxBytes of [100, 500, 1024, 2048, 5000, 100_000]) checkChunking(events, maxBytes);
  });
});
