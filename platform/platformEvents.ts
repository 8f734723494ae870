// How the platform's own events are checked wherever they are read (their names, streams and
// payloads live in one module per stream: datasetEvents, modelEvents, …). The log is
// append-only, so a malformed one (written straight into the table, or by an older server) stays
// forever: readers skip it and count it, and it never fails a workflow, a page or a command.
import type { z } from 'zod';
import type { StoredEvent } from '../eventstore/index.js';

/**
 * `Written`, once the compiler has checked that every such value passes `Schema`: the payload a
 * writer appends is declared once, and the readers' (more lenient, history-tolerant) schema
 * cannot drift from it unnoticed.
 */
export type ReadableAs<Schema extends z.ZodType, Written extends z.input<Schema>> = Written;

/** A platform event a reader skipped, and why. */
export interface MalformedPlatformEvent {
  eventId: string;
  streamId: string;
  type: string;
  globalPosition: number;
  problem: string;
}

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(data)'}: ${issue.message}`)
    .join('; ');

/** Parsed JSON checked against `schema`, or why it does not fit. */
export const checkPlatformData = <T>(
  type: string,
  json: unknown,
  schema: z.ZodType<T>,
): { ok: true; data: T } | { ok: false; problem: string } => {
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : {
        ok: false,
        problem: `${type} data does not fit its schema: ${describeIssues(parsed.error)}`,
      };
};

/** The event's data checked against `schema`, or why it does not fit. */
export const parsePlatformData = <T>(
  event: StoredEvent,
  schema: z.ZodType<T>,
): { ok: true; data: T } | { ok: false; malformed: MalformedPlatformEvent } => {
  const malformed = (problem: string) => ({
    ok: false as const,
    malformed: {
      eventId: event.eventId,
      streamId: event.streamId,
      type: event.type,
      globalPosition: event.globalPosition,
      problem,
    },
  });
  let json: unknown;
  try {
    json = JSON.parse(event.data);
  } catch {
    return malformed('data is not JSON');
  }
  const checked = checkPlatformData(event.type, json, schema);
  return checked.ok ? checked : malformed(checked.problem);
};

/** One log line for skipped platform events, naming each. */
export const describeMalformed = (where: string, malformed: MalformedPlatformEvent[]): string =>
  `${where}: skipped ${malformed.length} malformed platform event(s): ` +
  malformed.map((m) => `${m.type} ${m.eventId} on ${m.streamId} (${m.problem})`).join('; ');
