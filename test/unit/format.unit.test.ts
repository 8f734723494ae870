// Unit tests of the CLI's parsing and printing helpers.
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../support/thrown.js';
import { UsageError } from '../../cli/errors.js';
import {
  eventToJson,
  formatPosition,
  parseNonNegativeInt,
  parsePosition,
  parseTime,
} from '../../cli/format.js';
import { RecordedEvent } from '../../gen/hindsight/v1/eventstore.js';

const usageError = (fn: () => unknown): UsageError => thrownBy(UsageError, fn);

describe('parsePosition and formatPosition', () => {
  it.each([
    ['0:0', 0, 0],
    ['1:2', 1, 2],
    ['812:40', 812, 40],
    ['9007199254740991:5', Number.MAX_SAFE_INTEGER, 5],
  ])('parses %s and prints it back', (text, transactionId, globalPosition) => {
    const position = parsePosition(text, '--after');
    expect(position).toEqual({ transactionId, globalPosition });
    expect(formatPosition(position)).toBe(text);
  });

  it('prints a position and parses it back', () => {
    for (const p of [
      { transactionId: 0, globalPosition: 0 },
      { transactionId: 3, globalPosition: 0 },
      { transactionId: 123456, globalPosition: 7890 },
    ]) {
      expect(parsePosition(formatPosition(p), '--after')).toEqual(p);
    }
  });

  it('prints no position as the start', () => {
    expect(formatPosition(undefined)).toBe('0:0');
  });

  it('accepts leading zeros', () => {
    expect(parsePosition('007:010', '--after')).toEqual({ transactionId: 7, globalPosition: 10 });
  });

  it.each(['', '12', '12:', ':3', '1:2:3', '-1:2', '1:-2', '1.5:2', 'a:b', ' 1:2', '1:2 ', '1 :2'])(
    'refuses %j with a usage error naming the option and the text',
    (text) => {
      const error = usageError(() => parsePosition(text, '--after'));
      expect(error.name).toBe('UsageError');
      expect(error.message).toBe(
        `--after takes a position as <transaction id>:<global position>, got '${text}'`,
      );
    },
  );

  // A too-large number would silently lose precision.
  it('refuses a position beyond the safe integers', () => {
    usageError(() => parsePosition('99999999999999999999:1', '--after'));
  });
});

describe('parseNonNegativeInt', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['007', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('parses %s', (text, n) => {
    expect(parseNonNegativeInt(text, '--limit')).toBe(n);
  });

  it.each(['', '-1', '1.5', 'abc', '1e3', ' 1', '1 ', '0x10', '+1', '9007199254740992'])(
    'refuses %j, naming the option',
    (text) => {
      expect(usageError(() => parseNonNegativeInt(text, '--limit')).message).toBe(
        `--limit takes a non-negative integer, got '${text}'`,
      );
    },
  );
});

describe('parseTime', () => {
  it.each([
    ['2026-01-05T08:00:00Z', Date.UTC(2026, 0, 5, 8)],
    ['2026-01-05T08:00:00.123+02:00', Date.UTC(2026, 0, 5, 6, 0, 0, 123)],
    ['2026-01-05', Date.UTC(2026, 0, 5)],
    ['1969-12-31T23:59:59.999Z', -1],
  ])('parses the ISO time %s', (text, ms) => {
    expect(parseTime(text, '--occurred-at')).toBe(ms);
  });

  it.each([
    ['0', 0],
    ['1767600000000', 1_767_600_000_000],
    ['2026', 2026], // all digits: milliseconds, not a year
  ])('parses %s as milliseconds', (text, ms) => {
    expect(parseTime(text, '--occurred-at')).toBe(ms);
  });

  it.each(['', 'yesterday', '2026-13-45', 'T08:00', '12abc'])(
    'refuses %j, naming the option',
    (text) => {
      expect(usageError(() => parseTime(text, '--occurred-at')).message).toBe(
        `--occurred-at takes an ISO time or milliseconds since the epoch, got '${text}'`,
      );
    },
  );
});

describe('eventToJson', () => {
  it('renders a recorded event with parsed payloads and ISO times', () => {
    const event = RecordedEvent.fromPartial({
      eventId: '0190f3a2-7b1c-7d2e-8f00-123456789abc',
      streamId: 'workorder-WO-1',
      streamVersion: 2,
      globalPosition: 17,
      transactionId: 800,
      type: 'WorkLogged',
      schemaVersion: 1,
      data: Buffer.from('{"hours":1.5}'),
      metadata: Buffer.from('{"actor":"ada"}'),
      occurredAtMs: Date.UTC(2026, 0, 5, 8),
      recordedAtMs: Date.UTC(2026, 0, 5, 9),
    });
    expect(eventToJson(event)).toEqual({
      eventId: '0190f3a2-7b1c-7d2e-8f00-123456789abc',
      streamId: 'workorder-WO-1',
      streamVersion: 2,
      position: '800:17',
      type: 'WorkLogged',
      schemaVersion: 1,
      occurredAt: '2026-01-05T08:00:00.000Z',
      recordedAt: '2026-01-05T09:00:00.000Z',
      data: { hours: 1.5 },
      metadata: { actor: 'ada' },
    });
  });
});
