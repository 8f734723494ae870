// Unit tests of what an append announces and which live readers it concerns (no database).
import { describe, expect, it } from 'vitest';
import { concerns, decodeChange, encodeChange, type LogChange } from '../../eventstore/notifier.js';

const change = (eventTypes: string[], categories: string[]): LogChange => ({
  eventTypes: new Set(eventTypes),
  categories: new Set(categories),
});

describe('log change notifications', () => {
  it('concern a reader when a type and a category it reads were appended', () => {
    const appended = change(['OrderPlaced', 'OrderShipped'], ['order']);
    expect(concerns({}, appended)).toBe(true);
    expect(concerns({ eventTypes: ['OrderShipped'] }, appended)).toBe(true);
    expect(concerns({ eventTypes: ['Ticked'] }, appended)).toBe(false);
    expect(concerns({ categories: ['order', 'invoice'] }, appended)).toBe(true);
    expect(concerns({ categories: ['invoice'] }, appended)).toBe(false);
    expect(concerns({ eventTypes: ['OrderPlaced'], categories: ['order'] }, appended)).toBe(true);
    expect(concerns({ eventTypes: ['OrderPlaced'], categories: ['invoice'] }, appended)).toBe(
      false,
    );
    // An empty list reads everything, as it does for readAll (gRPC sends empty lists).
    expect(concerns({ eventTypes: [], categories: ['order'] }, appended)).toBe(true);
    expect(concerns({ eventTypes: [], categories: [] }, appended)).toBe(true);
    expect(concerns({ eventTypes: [], categories: ['invoice'] }, appended)).toBe(false);
    // An unknown change (another format, a lost connection) concerns everyone.
    expect(concerns({ eventTypes: ['Ticked'], categories: ['x'] }, null)).toBe(true);
  });

  it('travel as a NOTIFY payload and back', () => {
    const appended = change(['OrderPlaced'], ['order', 'invoice']);
    expect(decodeChange(encodeChange(appended))).toEqual(appended);
    expect(encodeChange(null)).toBe('');
  });

  it('say "anything" when the names do not fit a payload or cannot be read', () => {
    const many = change(
      Array.from({ length: 400 }, (_, i) => `SomethingHappenedNumber${i}`),
      ['order'],
    );
    expect(encodeChange(many)).toBe('');
    for (const payload of ['', undefined, 'not json', '{"t":"OrderPlaced","c":[]}', '{"t":[1]}']) {
      expect(decodeChange(payload)).toBeNull();
    }
  });
});
