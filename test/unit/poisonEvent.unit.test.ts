// Unit tests of how reads and appends treat a poison event: reads flag it (or skip it) instead of
// failing, a followed log without it still moves its checkpoint, and an append runs old-version
// events through the upcaster chain and refuses what it cannot read.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../eventstore/errors.js';
import type { StoredEvent } from '../../eventstore/types.js';
import { checkUpcastable } from '../../eventstore/upcasting/checkUpcastable.js';
import {
  createReadUpcaster,
  skipUpcastFailures,
} from '../../eventstore/upcasting/upcastForReads.js';
import { defineUpcasters } from '../../eventstore/upcasting/upcasters.js';
import { eventViewOf } from '../../services/console/eventStoreViews.js';
import { thrownBy } from '../support/thrown.js';

const upcasters = defineUpcasters({
  Blocked: {
    1: (data) => {
      if (typeof data.reason !== 'string') throw new Error('a v1 reason is text');
      return { ...data, reason: { text: data.reason } };
    },
  },
});

let position = 0;
const stored = (type: string, schemaVersion: number, data: object): StoredEvent => {
  position += 1;
  return {
    eventId: `e${position}`,
    streamId: 'order-1',
    streamVersion: position,
    globalPosition: position,
    transactionId: 100 + position,
    type,
    schemaVersion,
    data: JSON.stringify(data),
    metadata: '{}',
    occurredAt: 1_000,
    recordedAt: 1_000,
  };
};

describe('createReadUpcaster', () => {
  const reads = createReadUpcaster(upcasters);
  const good = stored('Blocked', 1, { reason: 'parts' });
  const poison = stored('Blocked', 1, { reason: 42 });
  const other = stored('Created', 1, { site: 'north' });

  it('upcasts what it can, and returns a poison event as stored, flagged', () => {
    expect(reads.one(good)).toMatchObject({
      schemaVersion: 2,
      data: '{"reason":{"text":"parts"}}',
    });
    expect(reads.one(good).upcastError).toBeUndefined();
    const flagged = reads.one(poison);
    expect(flagged).toEqual({
      ...poison,
      upcastError:
        "the upcaster of Blocked from v1 to v2 failed on event e2 (Blocked in stream 'order-1'): " +
        'a v1 reason is text',
    });
    expect(reads.one(other)).toBe(other);
  });

  it('leaves flagged events out of a page only when asked', () => {
    expect(reads.page([good, poison, other]).map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3']);
    expect(reads.page([good, poison, other], true).map((e) => e.eventId)).toEqual(['e1', 'e3']);
  });
});

describe('skipUpcastFailures', () => {
  type Item =
    | { kind: 'events'; events: StoredEvent[]; checkpoint: number }
    | { kind: 'caught-up'; checkpoint: number };
  async function* items(...list: Item[]): AsyncGenerator<Item> {
    for (const item of list) yield await Promise.resolve(item);
  }
  const flagged = { ...stored('Blocked', 1, { reason: 42 }), upcastError: 'no' };
  const fine = stored('Blocked', 2, { reason: { text: 'x' } });

  it('drops flagged events, and turns a batch left empty into progress to its checkpoint', async () => {
    const seen: unknown[] = [];
    for await (const item of skipUpcastFailures(
      items(
        { kind: 'events', events: [flagged, fine], checkpoint: 1 },
        { kind: 'events', events: [flagged], checkpoint: 2 },
        { kind: 'caught-up', checkpoint: 2 },
      ),
    )) {
      seen.push(
        item.kind === 'events' ? { ...item, events: item.events.map((e) => e.eventId) } : item,
      );
    }
    expect(seen).toEqual([
      { kind: 'events', events: [fine.eventId], checkpoint: 1 },
      { kind: 'progress', checkpoint: 2 },
      { kind: 'caught-up', checkpoint: 2 },
    ]);
  });
});

describe('checkUpcastable', () => {
  it('refuses an old-version event the chain cannot read, naming the field and why', () => {
    const error = thrownBy(ValidationError, () =>
      checkUpcastable(upcasters, 'order-9', [
        { type: 'Blocked', schemaVersion: 2, data: { reason: { text: 'ok' } } },
        { type: 'Blocked', schemaVersion: 1, dataJson: '{"reason":42}' },
      ]),
    );
    expect(error.field).toBe('events[1].data');
    expect(error.message).toMatch(
      /^events\[1\]\.data: the upcasters cannot read this Blocked of schema version 1, so no reader could: the upcaster of Blocked from v1 to v2 failed on event being appended \(Blocked in stream 'order-9'\): a v1 reason is text$/,
    );
  });

  it('refuses a version above the latest, as before', () => {
    const error = thrownBy(ValidationError, () =>
      checkUpcastable(upcasters, 'order-9', [{ type: 'Blocked', schemaVersion: 3, data: {} }]),
    );
    expect(error.field).toBe('events[0].schema_version');
  });

  it('accepts what the chain reads, types without upcasters, and leaves bad JSON to validation', () => {
    expect(() =>
      checkUpcastable(upcasters, 'order-9', [
        { type: 'Blocked', data: { reason: 'parts' } },
        { type: 'Blocked', schemaVersion: 2, data: { reason: 42 } },
        { type: 'Created', schemaVersion: 1, data: { anything: 42 } },
        { type: 'Blocked', schemaVersion: 1, dataJson: '{not json' },
        { type: 'Blocked', schemaVersion: 1, dataJson: '[1]' },
      ]),
    ).not.toThrow();
  });
});

describe("the console's stream page", () => {
  it('shows a poison event as stored, with why', () => {
    const poison = createReadUpcaster(upcasters).one(stored('Blocked', 1, { reason: 42 }));
    expect(eventViewOf(poison)).toMatchObject({
      schemaVersion: 1,
      data: { reason: 42 },
      upcastError: poison.upcastError,
    });
    expect(eventViewOf(stored('Created', 1, {})).upcastError).toBeUndefined();
  });
});
