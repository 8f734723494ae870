// Parsing and printing for the events commands.
import { shownPayloadOfText } from '../eventstore/index.js';
import type { Position, RecordedEvent } from '../gen/hindsight/v1/eventstore.js';
import { UsageError } from './errors.js';

export const formatPosition = (p: Position | undefined): string =>
  p ? `${p.transactionId}:${p.globalPosition}` : '0:0';

export const parsePosition = (text: string, option: string): Position => {
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match)
    throw new UsageError(
      `${option} takes a position as <transaction id>:<global position>, got '${text}'`,
    );
  const [transactionId, globalPosition] = [Number(match[1]), Number(match[2])];
  if (!Number.isSafeInteger(transactionId) || !Number.isSafeInteger(globalPosition)) {
    throw new UsageError(`${option}: '${text}' is beyond the largest position (2^53 - 1)`);
  }
  return { transactionId, globalPosition };
};

export const parseNonNegativeInt = (text: string, option: string): number => {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${option} takes a non-negative integer, got '${text}'`);
  }
  return Number(text);
};

export const parseTime = (text: string, option: string): number => {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  // 8.64e15 ms is the largest time a JavaScript Date holds.
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15)
    throw new UsageError(
      `${option} takes an ISO time or milliseconds since the epoch, got '${text}'`,
    );
  return ms;
};

const decoder = new TextDecoder();

export const eventToJson = (event: RecordedEvent): Record<string, unknown> => ({
  eventId: event.eventId,
  streamId: event.streamId,
  streamVersion: event.streamVersion,
  position: formatPosition(event),
  type: event.type,
  schemaVersion: event.schemaVersion,
  occurredAt: new Date(event.occurredAtMs).toISOString(),
  recordedAt: new Date(event.recordedAtMs).toISOString(),
  // A payload too deeply nested to print as JSON (stored before the limit) shows as a marker.
  data: shownPayloadOfText(decoder.decode(event.data)),
  metadata: shownPayloadOfText(decoder.decode(event.metadata)),
  // A poison event: the server's upcasters failed on it, so it is as stored.
  ...(event.upcastError ? { upcastError: event.upcastError } : {}),
});

export const printEvent = (event: RecordedEvent, json: boolean): void => {
  if (json) {
    process.stdout.write(`${JSON.stringify(eventToJson(event))}\n`);
    return;
  }
  const when = new Date(event.occurredAtMs).toISOString();
  process.stdout.write(
    `${formatPosition(event).padEnd(14)} ${`${event.streamId}@${event.streamVersion}`.padEnd(28)} ${event.type.padEnd(22)} ${when}  ${decoder.decode(event.data)}${event.upcastError ? `  [as stored: ${event.upcastError}]` : ''}\n`,
  );
};
