// Unit tests of the upcaster registry, canonical JSON and the demo's WorkOrderBlocked upcaster.
import { describe, expect, it } from 'vitest';
import {
  BLOCK_REASON_CODES,
  demoUpcasters,
  workOrderBlockedV1ToV2,
} from '../../examples/work-orders/src/demoUpcasters.js';
import type { JsonObject, StoredEvent } from '../../eventstore/types.js';
import { canonicalJson } from '../../eventstore/upcasting/canonicalJson.js';
import { UpcastError } from '../../eventstore/upcasting/upcastError.js';
import {
  NO_UPCASTERS,
  defineUpcasters,
  type Upcaster,
  type UpcasterDefinitions,
} from '../../eventstore/upcasting/upcasters.js';
import { thrownBy } from '../support/thrown.js';

const identity: Upcaster = (data) => data;

// Shipment v1 { weight } → v2 { weightKg } → v3 { weightKg, unit } → v4 { mass: { value, unit } }.
const shipmentSteps = {
  1: (data: JsonObject) => ({ weightKg: data.weight }),
  2: (data: JsonObject) => ({ ...data, unit: 'kg' }),
  3: (data: JsonObject) => ({ mass: { value: data.weightKg, unit: data.unit } }),
};

const trackParcel: Upcaster = (data) => ({ ...data, tracked: true });

const registry = defineUpcasters({
  Shipment: shipmentSteps,
  Parcel: { 1: trackParcel },
});

const context = { eventId: 'evt-1', streamId: 'shipment-9', type: 'Shipment', occurredAt: 1000 };

const stored = (overrides: Partial<StoredEvent>): StoredEvent => ({
  eventId: 'evt-1',
  streamId: 'shipment-9',
  streamVersion: 1,
  globalPosition: 1,
  transactionId: 100,
  type: 'Shipment',
  schemaVersion: 1,
  data: '{"weight":12}',
  metadata: '{}',
  occurredAt: 1000,
  recordedAt: 2000,
  ...overrides,
});

const upcastErrorOf = (fn: () => unknown): UpcastError => thrownBy(UpcastError, fn);

describe('defineUpcasters', () => {
  it('refuses a chain with a gap, naming the missing step and the steps it has', () => {
    const error = upcastErrorOf(() =>
      defineUpcasters({ Shipment: { 1: identity, 2: identity, 4: identity } }),
    );
    expect(error).toMatchObject({ reason: 'MISSING_STEP', code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain("event type 'Shipment'");
    expect(error.message).toContain('no upcaster from v3 to v4');
    expect(error.message).toContain('v1, v2, v4');
  });

  it('refuses a chain that does not start at v1', () => {
    const error = upcastErrorOf(() => defineUpcasters({ Shipment: { 2: identity } }));
    expect(error).toMatchObject({ reason: 'MISSING_STEP', code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain('no upcaster from v1 to v2');
  });

  it('refuses an empty chain', () => {
    const error = upcastErrorOf(() => defineUpcasters({ Shipment: {} }));
    expect(error).toMatchObject({ reason: 'MISSING_STEP', code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain("'Shipment' has an empty upcaster chain");
  });

  it('refuses a step that is not a function', () => {
    const definitions = {
      Shipment: { 1: identity, 2: 'v2 to v3' },
    } as unknown as UpcasterDefinitions;
    const error = upcastErrorOf(() => defineUpcasters(definitions));
    expect(error).toMatchObject({ reason: 'MISSING_STEP', code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain('the upcaster from v2 is not a function');
  });

  it.each([
    ['zero', { 0: identity }, "not '0'"],
    ['a fraction', { 1.5: identity }, "not '1.5'"],
    ['a word', { one: identity }, "not 'one'"],
    ['a negative number', { '-1': identity }, "not '-1'"],
  ])('refuses a key that is %s', (_name, steps, detail) => {
    const definitions = { Shipment: steps } as unknown as UpcasterDefinitions;
    const error = upcastErrorOf(() => defineUpcasters(definitions));
    expect(error).toMatchObject({ reason: 'INVALID_TARGET', code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain('a positive integer');
    expect(error.message).toContain(detail);
  });

  it('lists the types with upcasters, sorted', () => {
    expect(registry.eventTypes).toEqual(['Parcel', 'Shipment']);
    expect(NO_UPCASTERS.eventTypes).toEqual([]);
  });
});

describe('codeHash', () => {
  it('is stable for the same chains, whatever the order they are defined in', () => {
    expect(registry.codeHash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = defineUpcasters({ Parcel: { 1: trackParcel }, Shipment: shipmentSteps });
    expect(reordered.codeHash).toBe(registry.codeHash);
    // Fresh functions with the same source text hash the same.
    const make = () => defineUpcasters({ Parcel: { 1: (data) => ({ ...data, n: 1 }) } });
    expect(make().codeHash).toBe(make().codeHash);
  });

  it('changes when a step, a type or a version is added or changed', () => {
    const base = defineUpcasters({ Parcel: { 1: (data) => ({ ...data, tracked: true }) } });
    const changed = defineUpcasters({ Parcel: { 1: (data) => ({ ...data, tracked: false }) } });
    const longer = defineUpcasters({
      Parcel: { 1: (data) => ({ ...data, tracked: true }), 2: identity },
    });
    const renamed = defineUpcasters({ Box: { 1: (data) => ({ ...data, tracked: true }) } });
    const hashes = [base, changed, longer, renamed, NO_UPCASTERS].map((r) => r.codeHash);
    expect(new Set(hashes).size).toBe(5);
  });
});

describe('latestVersion', () => {
  it('is one past the last step, and undefined for a type without upcasters', () => {
    expect(registry.latestVersion('Shipment')).toBe(4);
    expect(registry.latestVersion('Parcel')).toBe(2);
    expect(registry.latestVersion('Invoice')).toBeUndefined();
  });
});

describe('checkTarget', () => {
  it('accepts every version from 2 to the latest', () => {
    for (const version of [2, 3, 4]) {
      expect(() => registry.checkTarget('Shipment', version)).not.toThrow();
    }
  });

  it('refuses a type without upcasters, listing the types that have them', () => {
    const error = upcastErrorOf(() => registry.checkTarget('Invoice', 2));
    expect(error).toMatchObject({ reason: 'UNKNOWN_EVENT_TYPE', code: 'INVALID_ARGUMENT' });
    expect(error.message).toBe(
      "event type 'Invoice' has no upcasters (types with upcasters: Parcel, Shipment)",
    );
    const none = upcastErrorOf(() => NO_UPCASTERS.checkTarget('Invoice', 2));
    expect(none.message).toContain('(none are registered)');
  });

  it.each([1, 0, -3, 2.5, Number.NaN])('refuses the target %s', (target) => {
    const error = upcastErrorOf(() => registry.checkTarget('Shipment', target));
    expect(error).toMatchObject({ reason: 'INVALID_TARGET', code: 'INVALID_ARGUMENT' });
    expect(error.message).toBe(`to_version must be an integer of at least 2, got ${target}`);
  });

  it('refuses a target beyond the latest version as a missing step', () => {
    const error = upcastErrorOf(() => registry.checkTarget('Shipment', 5));
    expect(error).toMatchObject({ reason: 'MISSING_STEP', code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain('no upcaster from v4 to v5');
    expect(error.message).toContain('its latest version is v4');
  });
});

describe('upcast', () => {
  it('runs every step to the latest version by default', () => {
    const result = registry.upcast({ ...context, schemaVersion: 1, data: { weight: 12 } });
    expect(result).toEqual({ schemaVersion: 4, data: { mass: { value: 12, unit: 'kg' } } });
  });

  it('stops at an intermediate version when asked', () => {
    expect(registry.upcast({ ...context, schemaVersion: 1, data: { weight: 12 } }, 2)).toEqual({
      schemaVersion: 2,
      data: { weightKg: 12 },
    });
    expect(registry.upcast({ ...context, schemaVersion: 1, data: { weight: 12 } }, 3)).toEqual({
      schemaVersion: 3,
      data: { weightKg: 12, unit: 'kg' },
    });
  });

  it('starts from the stored version, running only the steps after it', () => {
    const calls: number[] = [];
    const tracing = defineUpcasters({
      Shipment: {
        1: (data) => (calls.push(1), shipmentSteps[1](data)),
        2: (data) => (calls.push(2), shipmentSteps[2](data)),
        3: (data) => (calls.push(3), shipmentSteps[3](data)),
      },
    });
    const result = tracing.upcast({ ...context, schemaVersion: 2, data: { weightKg: 5 } });
    expect(result).toEqual({ schemaVersion: 4, data: { mass: { value: 5, unit: 'kg' } } });
    expect(calls).toEqual([2, 3]);
  });

  it('passes the event context to each step', () => {
    const seen: unknown[] = [];
    const spying = defineUpcasters({
      Shipment: { 1: (data, event) => (seen.push(event), { ...data, from: event.streamId }) },
    });
    const result = spying.upcast({ ...context, schemaVersion: 1, data: { weight: 1 } });
    expect(result.data).toEqual({ weight: 1, from: 'shipment-9' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject(context);
  });

  it('returns the data itself when it is at or past the target, or its type has no upcasters', () => {
    const data = { mass: { value: 1, unit: 'kg' } };
    expect(registry.upcast({ ...context, schemaVersion: 4, data }).data).toBe(data);
    expect(registry.upcast({ ...context, schemaVersion: 3, data }, 2)).toEqual({
      schemaVersion: 3,
      data,
    });
    const other = { total: 3 };
    const result = registry.upcast({ ...context, type: 'Invoice', schemaVersion: 1, data: other });
    expect(result).toEqual({ schemaVersion: 1, data: other });
    expect(result.data).toBe(other);
  });

  it('fails with MISSING_STEP when the target is past the chain', () => {
    const error = upcastErrorOf(() =>
      registry.upcast({ ...context, schemaVersion: 1, data: { weight: 1 } }, 6),
    );
    expect(error).toMatchObject({ reason: 'MISSING_STEP', code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain('event evt-1');
    expect(error.message).toContain('no upcaster from v4');
  });

  it('wraps a throwing upcaster as UPCASTER_FAILED, naming the event and the step', () => {
    const cause = new Error('weight is negative');
    const failing = defineUpcasters({
      Shipment: {
        1: shipmentSteps[1],
        2: () => {
          throw cause;
        },
      },
    });
    const error = upcastErrorOf(() =>
      failing.upcast({ ...context, eventId: 'evt-42', schemaVersion: 1, data: { weight: -1 } }),
    );
    expect(error).toMatchObject({ reason: 'UPCASTER_FAILED', code: 'FAILED_PRECONDITION' });
    expect(error.message).toBe(
      "the upcaster of Shipment from v2 to v3 failed on event evt-42 (Shipment in stream 'shipment-9'): weight is negative",
    );
    expect(error.cause).toBe(cause);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an array', [1, 2]],
    ['a string', '{"weightKg":1}'],
    ['a Map', new Map([['weightKg', 1]])],
  ])('fails with UPCASTER_FAILED when a step returns %s', (_name, value) => {
    const broken = defineUpcasters({ Shipment: { 1: () => value as unknown as JsonObject } });
    const error = upcastErrorOf(() =>
      broken.upcast({ ...context, eventId: 'evt-7', schemaVersion: 1, data: { weight: 1 } }),
    );
    expect(error).toMatchObject({ reason: 'UPCASTER_FAILED', code: 'FAILED_PRECONDITION' });
    expect(error.message).toContain('from v1 to v2 returned no JSON object');
    expect(error.message).toContain('event evt-7');
  });
});

describe('upcastStored', () => {
  it('upcasts an older stored event to the latest version, keeping everything else', () => {
    const event = stored({});
    const result = registry.upcastStored(event);
    expect(result).not.toBe(event);
    expect(result).toEqual({
      ...event,
      schemaVersion: 4,
      data: JSON.stringify({ mass: { value: 12, unit: 'kg' } }),
    });
    expect(event.data).toBe('{"weight":12}');
  });

  it('returns the same object for other types and for events at the latest version', () => {
    const invoice = stored({ type: 'Invoice', data: '{"weight":"not touched"}' });
    expect(registry.upcastStored(invoice)).toBe(invoice);
    const latest = stored({ schemaVersion: 4, data: '{"mass":{"value":1,"unit":"kg"}}' });
    expect(registry.upcastStored(latest)).toBe(latest);
    const newer = stored({ schemaVersion: 9, data: '{}' });
    expect(registry.upcastStored(newer)).toBe(newer);
    const parcel = stored({ type: 'Parcel', schemaVersion: 2, data: '{}' });
    expect(registry.upcastStored(parcel)).toBe(parcel);
  });

  it('with no upcasters returns every event as it is', () => {
    const event = stored({});
    expect(NO_UPCASTERS.upcastStored(event)).toBe(event);
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every level and keeps array order', () => {
    const value = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, aa: 'x' };
    expect(canonicalJson(value)).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"aa":"x","b":1}');
  });

  it('gives the same text for the same meaning, whatever the key order', () => {
    const one = { x: { p: 1, q: [1, 2] }, y: 'y' };
    const two = { y: 'y', x: { q: [1, 2], p: 1 } };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(canonicalJson(one)).not.toBe(canonicalJson({ ...one, x: { p: 1, q: [2, 1] } }));
  });

  it('drops undefined properties and encodes scalars as JSON does', () => {
    expect(canonicalJson({ b: undefined, a: 1 })).toBe('{"a":1}');
    expect(canonicalJson('tab\there')).toBe('"tab\\there"');
    expect(canonicalJson(1.5)).toBe('1.5');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson({ 'k"ey': true })).toBe('{"k\\"ey":true}');
  });
});

describe('workOrderBlockedV1ToV2', () => {
  it.each(Object.entries(BLOCK_REASON_CODES))('maps "%s" to the code %s', (reason, code) => {
    expect(workOrderBlockedV1ToV2({ workOrderId: 'wo-1', reason })).toEqual({
      workOrderId: 'wo-1',
      reason: { code, text: reason },
    });
  });

  it('knows the three reasons of the demo generator', () => {
    expect(BLOCK_REASON_CODES).toEqual({
      'waiting for parts': 'parts',
      'customer unavailable': 'customer',
      'access denied': 'access',
    });
  });

  it("maps an unknown reason to 'other', keeping its text and the other fields", () => {
    expect(workOrderBlockedV1ToV2({ workOrderId: 'wo-2', reason: 'storm', crew: 3 })).toEqual({
      workOrderId: 'wo-2',
      crew: 3,
      reason: { code: 'other', text: 'storm' },
    });
  });

  // A lookup by plain property would find Object.prototype's members for these reasons.
  it.each(['toString', 'constructor', '__proto__'])(
    "maps the reason '%s', named like an Object.prototype member, to 'other'",
    (reason) => {
      expect(workOrderBlockedV1ToV2({ reason })).toEqual({
        reason: { code: 'other', text: reason },
      });
    },
  );

  it.each([
    ['missing', {}],
    ['a number', { reason: 7 }],
    ['an object', { reason: { code: 'parts' } }],
    ['null', { reason: null }],
  ])('throws when the reason is %s', (_name, data) => {
    expect(() => workOrderBlockedV1ToV2(data)).toThrow(/WorkOrderBlocked v1 needs a text reason/);
  });

  it('is the v1 step of the demo registry, whose latest WorkOrderBlocked is v2', () => {
    const demo = demoUpcasters();
    expect(demo.eventTypes).toEqual(['WorkOrderBlocked']);
    expect(demo.latestVersion('WorkOrderBlocked')).toBe(2);
    const event = stored({
      type: 'WorkOrderBlocked',
      data: JSON.stringify({ workOrderId: 'wo-3', reason: 'access denied' }),
    });
    expect(JSON.parse(demo.upcastStored(event).data)).toEqual({
      workOrderId: 'wo-3',
      reason: { code: 'access', text: 'access denied' },
    });
    const error = upcastErrorOf(() =>
      demo.upcast({
        eventId: 'evt-9',
        streamId: 'workorder-3',
        type: 'WorkOrderBlocked',
        occurredAt: 0,
        schemaVersion: 1,
        data: { workOrderId: 'wo-3', reason: 5 },
      }),
    );
    expect(error).toMatchObject({ reason: 'UPCASTER_FAILED', code: 'FAILED_PRECONDITION' });
    expect(error.message).toContain('event evt-9');
  });
});
