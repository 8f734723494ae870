// Unit tests of the event store's input rules (no database).
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../support/thrown.js';
import { ValidationError } from '../../eventstore/errors.js';
import type {
  EventMetadata,
  ExpectedVersion,
  JsonObject,
  NewEvent,
} from '../../eventstore/types.js';
import {
  MAX_EVENTS_PER_APPEND,
  MAX_STREAM_ID_LENGTH,
  categoryOf,
  nestingBeyond,
  parseJsonObject,
  prepareEvents,
  validateEventId,
  validateEventType,
  validateExpectedVersion,
  validateFilter,
  validatePosition,
  validateStreamId,
  validateSubscriptionName,
} from '../../eventstore/validation.js';

const validationError = (fn: () => unknown): ValidationError => thrownBy(ValidationError, fn);

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const MIN_TIME = Date.UTC(1900, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe('validateStreamId', () => {
  it.each([
    'a',
    '7',
    'workorder-WO-010001',
    'käse-1',
    'заказ-42',
    '订单-7',
    'tenant/orders:2026',
    'a_b.c:d@e~f+g=h/i$j-k',
    'x-',
    'x'.repeat(MAX_STREAM_ID_LENGTH),
  ])('accepts %j and returns it unchanged', (id) => {
    expect(validateStreamId(id)).toBe(id);
  });

  it.each([undefined, null, 42, ''])('refuses %j as missing', (id) => {
    const error = validationError(() => validateStreamId(id));
    expect(error.field).toBe('stream_id');
    expect(error.message).toBe('stream_id: is required');
  });

  it.each([
    '-abc',
    '_abc',
    '.abc',
    '/abc',
    ' abc',
    'abc ',
    'a b',
    'a\tb',
    'abc\n',
    'a#b',
    'a,b',
    'a\u0000b',
  ])('refuses the malformed %j', (id) => {
    const error = validationError(() => validateStreamId(id));
    expect(error.field).toBe('stream_id');
    expect(error.message).toContain('is malformed');
  });

  it('refuses an id longer than 200 characters', () => {
    const error = validationError(() => validateStreamId('x'.repeat(MAX_STREAM_ID_LENGTH + 1)));
    expect(MAX_STREAM_ID_LENGTH).toBe(200);
    expect(error.message).toContain('longer than 200 characters');
  });

  it('refuses U+FFFD, the trace of bytes that were not UTF-8', () => {
    const error = validationError(() => validateStreamId('order-\uFFFD1'));
    expect(error.message).toContain('not valid UTF-8');
  });

  it('names the field it is given', () => {
    expect(validationError(() => validateStreamId('', 'source_stream_id')).field).toBe(
      'source_stream_id',
    );
  });
});

describe('categoryOf', () => {
  it.each([
    ['workorder-WO-010001', 'workorder'],
    ['plain', 'plain'],
    ['a-', 'a'],
    ['tenant/orders:2026-1-2', 'tenant/orders:2026'],
    ['заказ-42', 'заказ'],
  ])('categoryOf(%j) is %j', (id, category) => {
    expect(categoryOf(id)).toBe(category);
  });

  it('gives a category that validateFilter accepts for every valid stream id', () => {
    for (const id of ['workorder-WO-1', 'x', 'a.b-c-d', 'käse-1', 'a/b:c-']) {
      const category = categoryOf(validateStreamId(id));
      expect(() => validateFilter({ categories: [category] })).not.toThrow();
    }
  });
});

describe('validateEventType', () => {
  it.each(['A', 'WorkOrderCreated', 'v2.Order_Created', 'a' + 'b'.repeat(127)])(
    'accepts %j',
    (type) => {
      expect(validateEventType(type, 'type')).toBe(type);
    },
  );

  it.each(['1Abc', '_a', '.a', 'a-b', 'a b', 'a/b', 'é', 'Ordre\u00e9', 'a' + 'b'.repeat(128)])(
    'refuses %j',
    (type) => {
      const error = validationError(() => validateEventType(type, 'events[3].type'));
      expect(error.field).toBe('events[3].type');
      expect(error.message).toContain('is malformed');
    },
  );

  it.each([undefined, ''])('refuses %j as missing', (type) => {
    expect(validationError(() => validateEventType(type, 'type')).message).toBe(
      'type: is required',
    );
  });

  it('refuses U+FFFD', () => {
    expect(validationError(() => validateEventType('Order\uFFFD', 'type')).message).toContain(
      'UTF-8',
    );
  });
});

describe('validateSubscriptionName', () => {
  it.each(['projector', '1', '1-a:b.c_d', 'Z' + 'z'.repeat(127)])('accepts %j', (name) => {
    expect(validateSubscriptionName(name)).toBe(name);
  });

  it.each(['-a', '_a', 'a/b', 'a b', 'a@b', 'Z' + 'z'.repeat(128)])('refuses %j', (name) => {
    const error = validationError(() => validateSubscriptionName(name));
    expect(error.field).toBe('subscription_name');
    expect(error.message).toContain('is malformed');
  });

  it('refuses an empty name and U+FFFD', () => {
    expect(validationError(() => validateSubscriptionName('')).message).toBe(
      'subscription_name: is required',
    );
    expect(validationError(() => validateSubscriptionName('a\uFFFD', 'name')).message).toBe(
      'name: is not valid UTF-8',
    );
  });
});

describe('validateEventId', () => {
  it('accepts a lowercase UUID unchanged', () => {
    const id = '0190f3a2-7b1c-7d2e-8f00-123456789abc';
    expect(validateEventId(id, 'event_id')).toBe(id);
  });

  it('normalises an uppercase UUID to lowercase', () => {
    expect(validateEventId('0190F3A2-7B1C-7D2E-8F00-ABCDEF012345', 'event_id')).toBe(
      '0190f3a2-7b1c-7d2e-8f00-abcdef012345',
    );
  });

  it('refuses the nil UUID', () => {
    const error = validationError(() =>
      validateEventId('00000000-0000-0000-0000-000000000000', 'events[0].event_id'),
    );
    expect(error.field).toBe('events[0].event_id');
    expect(error.message).toContain('nil UUID');
  });

  it.each([
    'garbage',
    '',
    '0190f3a2-7b1c-7d2e-8f00-123456789ab',
    '0190f3a27b1c7d2e8f00123456789abc',
    '{0190f3a2-7b1c-7d2e-8f00-123456789abc}',
    '0190f3a2-7b1c-7d2e-8f00-123456789abg',
    ' 0190f3a2-7b1c-7d2e-8f00-123456789abc',
    42,
    undefined,
  ])('refuses %j', (id) => {
    const error = validationError(() => validateEventId(id, 'event_id'));
    expect(error.message).toContain('must be a UUID');
  });
});

describe('parseJsonObject', () => {
  it('returns the parsed object', () => {
    expect(parseJsonObject('{"a":[1,{"b":null}]}', 'data')).toEqual({ a: [1, { b: null }] });
  });

  it.each([
    ['[]', 'an array'],
    ['null', 'null'],
    ['"text"', 'string'],
    ['12', 'number'],
    ['true', 'boolean'],
  ])('refuses %s as %s', (text, kind) => {
    expect(validationError(() => parseJsonObject(text, 'data')).message).toBe(
      `data: must be a JSON object, got ${kind}`,
    );
  });
});

describe('prepareEvents', () => {
  const event = (overrides: Partial<NewEvent> = {}): NewEvent => ({
    type: 'ThingHappened',
    data: { n: 1 },
    ...overrides,
  });

  it('fills in defaults', () => {
    const [prepared] = prepareEvents([event()]);
    expect(prepared).toEqual({
      id: expect.stringMatching(UUID_V7) as unknown,
      type: 'ThingHappened',
      schemaVersion: 1,
      dataJson: '{"n":1}',
      metadataJson: '{}',
      occurredAt: null,
    });
  });

  it('assigns a fresh UUIDv7 to each event without an id (undefined or empty)', () => {
    const prepared = prepareEvents([event(), event({ eventId: '' }), event()]);
    const ids = prepared.map((p) => p.id);
    for (const id of ids) {
      expect(id).toMatch(UUID_V7);
      expect(id[14]).toBe('7'); // the version nibble
    }
    expect(new Set(ids).size).toBe(3);
  });

  it('keeps a given id, lowercased', () => {
    const [prepared] = prepareEvents([event({ eventId: '0190F3A2-7B1C-4D2E-8F00-ABCDEF012345' })]);
    expect(prepared?.id).toBe('0190f3a2-7b1c-4d2e-8f00-abcdef012345');
  });

  it('keeps the given fields', () => {
    const [prepared] = prepareEvents([
      event({
        schemaVersion: 3,
        dataJson: '{ "spaced" : true }',
        data: undefined,
        metadata: { actor: 'ada', tenant: 't1' },
        occurredAt: Date.UTC(2026, 0, 5),
      }),
    ]);
    expect(prepared).toMatchObject({
      schemaVersion: 3,
      dataJson: '{ "spaced" : true }', // passed on verbatim
      metadataJson: '{"actor":"ada","tenant":"t1"}',
      occurredAt: Date.UTC(2026, 0, 5),
    });
  });

  it('refuses an invalid event id with its index in the field', () => {
    const error = validationError(() => prepareEvents([event(), event({ eventId: 'nope' })]));
    expect(error.field).toBe('events[1].event_id');
  });

  it('refuses an invalid type with its index in the field', () => {
    expect(validationError(() => prepareEvents([event({ type: '9lives' })])).field).toBe(
      'events[0].type',
    );
  });

  it('refuses duplicate ids in a batch, naming the second occurrence', () => {
    const id = '0190f3a2-7b1c-7d2e-8f00-123456789abc';
    const error = validationError(() =>
      prepareEvents([event({ eventId: id }), event(), event({ eventId: id })]),
    );
    expect(error.field).toBe('events[2].event_id');
    expect(error.message).toContain(`${id} appears twice`);
  });

  it('detects duplicates that differ only in case', () => {
    const error = validationError(() =>
      prepareEvents([
        event({ eventId: '0190f3a2-7b1c-7d2e-8f00-123456789abc' }),
        event({ eventId: '0190F3A2-7B1C-7D2E-8F00-123456789ABC' }),
      ]),
    );
    expect(error.field).toBe('events[1].event_id');
  });

  it('refuses an empty batch', () => {
    const error = validationError(() => prepareEvents([]));
    expect(error.field).toBe('events');
    expect(error.message).toContain('at least one event');
  });

  it(`accepts ${MAX_EVENTS_PER_APPEND} events and refuses one more`, () => {
    expect(MAX_EVENTS_PER_APPEND).toBe(10_000);
    const many = Array.from({ length: MAX_EVENTS_PER_APPEND }, () => event());
    expect(prepareEvents(many)).toHaveLength(MAX_EVENTS_PER_APPEND);
    const error = validationError(() => prepareEvents([...many, event()]));
    expect(error.field).toBe('events');
    expect(error.message).toContain('got 10001');
  });

  describe('schema version', () => {
    it.each([1, 2, 1_000_000])('accepts %d', (schemaVersion) => {
      expect(prepareEvents([event({ schemaVersion })])[0]?.schemaVersion).toBe(schemaVersion);
    });

    it.each([0, -1, 1.5, 1_000_001, Number.NaN, Number.POSITIVE_INFINITY])(
      'refuses %d',
      (schemaVersion) => {
        const error = validationError(() => prepareEvents([event(), event({ schemaVersion })]));
        expect(error.field).toBe('events[1].schema_version');
      },
    );
  });

  describe('occurredAt', () => {
    it.each([MIN_TIME, 0, Date.UTC(2026, 0, 5), MAX_TIME])('accepts %d', (occurredAt) => {
      expect(prepareEvents([event({ occurredAt })])[0]?.occurredAt).toBe(occurredAt);
    });

    it.each([MIN_TIME - 1, MAX_TIME + 1, 1.5, Number.NaN])('refuses %d', (occurredAt) => {
      const error = validationError(() => prepareEvents([event({ occurredAt })]));
      expect(error.field).toBe('events[0].occurred_at');
      expect(error.message).toContain('between the years 1900 and 9999');
    });
  });

  describe('data and dataJson', () => {
    it('refuses both at once', () => {
      const error = validationError(() =>
        prepareEvents([event({ data: { a: 1 }, dataJson: '{"a":1}' })]),
      );
      expect(error.field).toBe('events[0].data');
      expect(error.message).toContain('not both');
    });

    it('refuses neither', () => {
      expect(validationError(() => prepareEvents([{ type: 'ThingHappened' }])).message).toContain(
        'must be a JSON object',
      );
    });

    it.each(['[]', '[{"a":1}]', 'null', '"a string"', '42'])(
      'refuses the JSON text %s, which is not an object',
      (dataJson) => {
        const error = validationError(() =>
          prepareEvents([event(), event({ data: undefined, dataJson })]),
        );
        expect(error.field).toBe('events[1].data');
        expect(error.message).toContain('must be a JSON object');
      },
    );

    it.each([
      ['an array', [1, 2]],
      ['null', null],
      ['a string', 'text'],
    ])('refuses data that is %s', (_kind, data) => {
      const error = validationError(() =>
        prepareEvents([event({ data: data as unknown as JsonObject })]),
      );
      expect(error.field).toBe('events[0].data');
      expect(error.message).toContain('must be a JSON object');
    });

    it.each(['{', '{"a":}', "{'a':1}", '', '{"a":1} x'])(
      'refuses the invalid JSON %j, naming the field',
      (dataJson) => {
        const error = validationError(() =>
          prepareEvents([event(), event(), event({ data: undefined, dataJson })]),
        );
        expect(error.field).toBe('events[2].data');
        expect(error.message).toMatch(/^events\[2\]\.data: is not valid JSON/);
      },
    );

    it('accepts a real U+FFFD in JSON text (the caller decoded the bytes strictly)', () => {
      const [prepared] = prepareEvents([event({ data: undefined, dataJson: '{"a":"\uFFFD"}' })]);
      expect(prepared?.dataJson).toBe('{"a":"\uFFFD"}');
      expect(parseJsonObject('{"\uFFFD":1}', 'data')).toEqual({ '\uFFFD': 1 });
    });

    it('refuses an escaped NUL in JSON text', () => {
      for (const dataJson of [
        '{"a":"\\u0000"}',
        '{"a":"x\\u0000y"}',
        '{"\\u0000":1}',
        // An escaped backslash, then an escaped NUL.
        '{"a":"\\\\\\u0000"}',
      ]) {
        const error = validationError(() => prepareEvents([event({ data: undefined, dataJson })]));
        expect(error.field).toBe('events[0].data');
        expect(error.message).toContain('U+0000');
      }
    });

    it('accepts an escaped backslash followed by the letters u0000', () => {
      for (const dataJson of ['{"a":"\\\\u0000"}', '{"a":"\\\\\\\\u0000"}']) {
        const [prepared] = prepareEvents([event({ data: undefined, dataJson })]);
        expect(prepared?.dataJson).toBe(dataJson);
      }
    });

    it('refuses a data object holding a NUL character', () => {
      for (const data of [{ a: 'x\u0000' }, { ['\u0000']: 1 }, { nested: { deep: ['\u0000'] } }]) {
        const error = validationError(() => prepareEvents([event({ data })]));
        expect(error.field).toBe('events[0].data');
        expect(error.message).toContain('U+0000');
      }
    });

    // The object path must not mistake JSON.stringify's escaped backslash for an escaped NUL.
    it('accepts a data object holding a backslash followed by "u0000"', () => {
      const [prepared] = prepareEvents([event({ data: { path: 'C:\\u0000' } })]);
      expect(prepared?.dataJson).toBe('{"path":"C:\\\\u0000"}');
    });
  });

  describe('metadata', () => {
    it.each(['correlation_id', 'causation_id', 'actor'] as const)(
      '%s: accepts up to 200 characters, refuses more',
      (key) => {
        const ok = prepareEvents([event({ metadata: { [key]: 'x'.repeat(200) } })]);
        expect(JSON.parse(ok[0]?.metadataJson ?? '')).toEqual({ [key]: 'x'.repeat(200) });
        const error = validationError(() =>
          prepareEvents([event(), event({ metadata: { [key]: 'x'.repeat(201) } })]),
        );
        expect(error.field).toBe(`events[1].metadata.${key}`);
        expect(error.message).toContain('at most 200 characters');
      },
    );

    it.each(['correlation_id', 'causation_id', 'actor'] as const)(
      '%s: refuses a value that is not a string',
      (key) => {
        for (const value of [42, null, { id: 'x' }, ['x']]) {
          const error = validationError(() =>
            prepareEvents([event({ metadata: { [key]: value } })]),
          );
          expect(error.field).toBe(`events[0].metadata.${key}`);
        }
      },
    );

    it('refuses U+FFFD in the well-known keys', () => {
      const error = validationError(() =>
        prepareEvents([event({ metadata: { actor: 'ad\uFFFDa' } })]),
      );
      expect(error.field).toBe('events[0].metadata.actor');
      expect(error.message).toContain('UTF-8');
    });

    it('keeps custom keys of any JSON type', () => {
      const metadata = { correlation_id: 'c-1', tenant: 't1', retries: 3, tags: ['a'], x: null };
      const [prepared] = prepareEvents([event({ metadata })]);
      expect(JSON.parse(prepared?.metadataJson ?? '')).toEqual(metadata);
    });

    it.each([
      ['an array', []],
      ['null', null],
      ['a string', 'actor'],
    ])('refuses metadata that is %s', (_kind, metadata) => {
      const error = validationError(() =>
        prepareEvents([event({ metadata: metadata as unknown as EventMetadata })]),
      );
      expect(error.field).toBe('events[0].metadata');
      expect(error.message).toContain('must be an object');
    });

    it('refuses a NUL character anywhere in the metadata', () => {
      const error = validationError(() =>
        prepareEvents([event({ metadata: { note: 'a\u0000b' } })]),
      );
      expect(error.field).toBe('events[0].metadata');
      expect(error.message).toContain('U+0000');
    });

    it('accepts metadata holding a backslash followed by "u0000"', () => {
      const [prepared] = prepareEvents([event({ metadata: { note: '\\u0000' } })]);
      expect(JSON.parse(prepared?.metadataJson ?? '')).toEqual({ note: '\\u0000' });
    });
  });
});

describe('nesting depth', () => {
  const event = (overrides: Partial<NewEvent> = {}): NewEvent => ({
    type: 'ThingHappened',
    data: { n: 1 },
    ...overrides,
  });
  /** `{ a: { a: … 1 } }` with `levels` objects, built without recursion. */
  const nested = (levels: number): JsonObject => {
    let value: JsonObject = { a: 1 };
    for (let i = 1; i < levels; i += 1) value = { a: value };
    return value;
  };

  it('finds the first level beyond the limit without recursion, even 1,000,000 deep', () => {
    expect(nestingBeyond(nested(64), 64)).toBeNull();
    expect(nestingBeyond(nested(65), 64)).toBe(65);
    expect(nestingBeyond(nested(1_000_000), 64)).toBe(65);
    expect(nestingBeyond({ a: [[[1]]], b: 'x' }, 3)).toBe(4);
    expect(nestingBeyond({ a: [1, 'two', null] }, 2)).toBeNull();
  });

  it('stops at the limit on a cycle', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(nestingBeyond(cycle, 64)).toBe(65);
  });

  it.each([
    ['data', { data: nested(65) }],
    ['data', { data: undefined, dataJson: JSON.stringify(nested(65)) }],
    ['data', { data: undefined, dataJson: `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}` }],
    ['metadata', { metadata: nested(65) }],
    ['metadata', { metadata: nested(200_000) }],
  ])('refuses %s nested deeper than 64 levels by default', (field, overrides) => {
    const error = validationError(() => prepareEvents([event(), event(overrides)]));
    expect(error.field).toBe(`events[1].${field}`);
    expect(error.message).toContain('more than 64 levels deep');
  });

  it('accepts 64 levels, and follows a configured limit', () => {
    expect(() => prepareEvents([event({ data: nested(64), metadata: nested(64) })])).not.toThrow();
    expect(() => prepareEvents([event({ data: nested(11) })], { maxJsonDepth: 10 })).toThrow(
      'more than 10 levels deep',
    );
    expect(() =>
      prepareEvents([event({ data: nested(100) })], { maxJsonDepth: 100 }),
    ).not.toThrow();
  });
});

describe('validateExpectedVersion', () => {
  it.each<ExpectedVersion>([
    { kind: 'any' },
    { kind: 'no_stream' },
    { kind: 'stream_exists' },
    { kind: 'exact', version: 0 },
    { kind: 'exact', version: 17 },
    { kind: 'exact', version: Number.MAX_SAFE_INTEGER },
  ])('accepts %j and returns it', (expected) => {
    expect(validateExpectedVersion(expected)).toBe(expected);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    'refuses the exact version %d',
    (version) => {
      const error = validationError(() => validateExpectedVersion({ kind: 'exact', version }));
      expect(error.field).toBe('expected_version');
      expect(error.message).toContain(`got ${version}`);
    },
  );
});

describe('validatePosition', () => {
  it.each([
    { transactionId: 0, globalPosition: 0 },
    { transactionId: 812, globalPosition: 40 },
    { transactionId: Number.MAX_SAFE_INTEGER, globalPosition: Number.MAX_SAFE_INTEGER },
  ])('accepts %j and returns it', (position) => {
    expect(validatePosition(position, 'from')).toBe(position);
  });

  it.each([
    { transactionId: -1, globalPosition: 0 },
    { transactionId: 0, globalPosition: -1 },
    { transactionId: 1.5, globalPosition: 0 },
    { transactionId: 1, globalPosition: 0.5 },
    { transactionId: Number.NaN, globalPosition: 0 },
    { transactionId: 1, globalPosition: Number.POSITIVE_INFINITY },
    { transactionId: 2 ** 53, globalPosition: 0 },
  ])('refuses %j', (position) => {
    const error = validationError(() => validatePosition(position, 'after'));
    expect(error.field).toBe('after');
  });

  it('refuses a position whose fields are not numbers', () => {
    const position = { transactionId: '1', globalPosition: 2 } as unknown as {
      transactionId: number;
      globalPosition: number;
    };
    expect(validationError(() => validatePosition(position, 'after')).field).toBe('after');
  });
});

describe('validateFilter', () => {
  it('accepts an empty filter and valid lists, returning the filter', () => {
    const empty = {};
    expect(validateFilter(empty)).toBe(empty);
    const filter = { eventTypes: ['WorkOrderCreated', 'v2.X'], categories: ['workorder', 'käse'] };
    expect(validateFilter(filter)).toBe(filter);
  });

  it('refuses a malformed event type with its index', () => {
    const error = validationError(() => validateFilter({ eventTypes: ['Ok', 'not ok'] }));
    expect(error.field).toBe('event_types[1]');
  });

  it('refuses a category containing a dash', () => {
    const error = validationError(() =>
      validateFilter({ categories: ['workorder', 'work-order'] }),
    );
    expect(error.field).toBe('categories[1]');
    expect(error.message).toContain('is not a category');
  });

  it.each(['-a', ' a', 'a b', '_a'])('refuses the category %j', (category) => {
    expect(validationError(() => validateFilter({ categories: [category] })).field).toBe(
      'categories[0]',
    );
  });

  it('refuses an empty category and U+FFFD', () => {
    expect(validationError(() => validateFilter({ categories: [''] })).message).toBe(
      'categories[0]: is empty',
    );
    expect(validationError(() => validateFilter({ categories: ['a\uFFFD'] })).message).toContain(
      'UTF-8',
    );
  });
});
