// Refuses at append time what the current upcaster chain cannot read: an event of an older
// schema version goes through the chain on its way in, and one it fails on is refused, so no
// such event reaches the log from this server. (Events written before an upcaster changed can
// still fail on reads: those are flagged there, see upcastForReads.ts.)
import { ValidationError } from '../errors.js';
import type { JsonObject, NewEvent } from '../types.js';
import { UpcastError } from './upcastError.js';
import type { UpcasterRegistry } from './upcasters.js';

const dataOf = (event: NewEvent): JsonObject | undefined => {
  if (event.data !== undefined) return event.data;
  try {
    return JSON.parse(event.dataJson ?? '') as JsonObject;
  } catch {
    // Not JSON: the append's own validation says so.
    return undefined;
  }
};

export const checkUpcastable = (
  upcasters: UpcasterRegistry,
  streamId: string,
  events: readonly NewEvent[],
): void => {
  events.forEach((event, index) => {
    const latest = upcasters.latestVersion(event.type);
    if (latest === undefined) return;
    const version = event.schemaVersion ?? 1;
    if (version > latest) {
      throw new ValidationError(
        `events[${index}].schema_version`,
        `${event.type} has no schema version ${version}: its latest is ${latest}`,
      );
    }
    // An event at its latest version needs no upcaster: its data is not parsed again here.
    if (version === latest) return;
    const data = dataOf(event);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
    try {
      upcasters.upcast({
        eventId: event.eventId || 'being appended',
        streamId,
        type: event.type,
        occurredAt: event.occurredAt ?? Date.now(),
        schemaVersion: version,
        data,
      });
    } catch (error) {
      if (!(error instanceof UpcastError)) throw error;
      throw new ValidationError(
        `events[${index}].data`,
        `the upcasters cannot read this ${event.type} of schema version ${version}, so no ` +
          `reader could: ${error.message}`,
      );
    }
  });
};
