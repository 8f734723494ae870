// Input rules of the event store, checked before anything touches the database.
import { v7 as uuidv7 } from 'uuid';
import { ValidationError } from './errors.js';
import type {
  EventMetadata,
  ExpectedVersion,
  JsonObject,
  LogFilter,
  NewEvent,
  Position,
} from './types.js';

export const MAX_STREAM_ID_LENGTH = 200;
export const MAX_EVENTS_PER_APPEND = 10_000;
const STREAM_ID = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}_.:@~+=/$-]*$/u;
const CATEGORY = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}_.:@~+=/$]*$/u;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.]{0,127}$/;
const SUBSCRIPTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// An escaped NUL that is not itself escaped: PostgreSQL's jsonb cannot store it.
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/;
const MIN_TIME = Date.UTC(1900, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const MAX_METADATA_STRING = 200;
/** How deeply event data and metadata may nest (objects and arrays); deeper is refused. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** A decoding error (U+FFFD) means the client sent bytes that are not UTF-8. */
const checkText = (field: string, value: string): void => {
  if (value.includes('\uFFFD')) throw new ValidationError(field, 'is not valid UTF-8');
};

export const validateStreamId = (streamId: unknown, field = 'stream_id'): string => {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new ValidationError(field, 'is required');
  }
  checkText(field, streamId);
  if (streamId.length > MAX_STREAM_ID_LENGTH) {
    throw new ValidationError(field, `is longer than ${MAX_STREAM_ID_LENGTH} characters`);
  }
  if (!STREAM_ID.test(streamId)) {
    throw new ValidationError(
      field,
      `'${streamId}' is malformed: it must start with a letter or digit and contain only letters, digits and _ . : @ ~ + = / $ -`,
    );
  }
  return streamId;
};

/** A stream's category: its id before the first '-'. */
export const categoryOf = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
};

export const validateEventType = (type: unknown, field: string): string => {
  if (typeof type !== 'string' || type.length === 0)
    throw new ValidationError(field, 'is required');
  checkText(field, type);
  if (!EVENT_TYPE.test(type)) {
    throw new ValidationError(
      field,
      `'${type}' is malformed: a letter, then up to 127 letters, digits, '_' or '.'`,
    );
  }
  return type;
};

export const validateSubscriptionName = (name: unknown, field = 'subscription_name'): string => {
  if (typeof name !== 'string' || name.length === 0)
    throw new ValidationError(field, 'is required');
  checkText(field, name);
  if (!SUBSCRIPTION_NAME.test(name)) {
    throw new ValidationError(
      field,
      `'${name}' is malformed: a letter or digit, then up to 127 letters, digits, '_', '.', ':' or '-'`,
    );
  }
  return name;
};

export const validateEventId = (id: unknown, field: string): string => {
  if (typeof id !== 'string' || !UUID.test(id)) {
    throw new ValidationError(field, `must be a UUID, got '${String(id)}'`);
  }
  if (/^[0-]+$/.test(id)) throw new ValidationError(field, 'must not be the nil UUID');
  return id.toLowerCase();
};

export const validateFilter = (filter: LogFilter): LogFilter => {
  filter.eventTypes?.forEach((type, i) => validateEventType(type, `event_types[${i}]`));
  filter.categories?.forEach((category, i) => {
    const field = `categories[${i}]`;
    if (typeof category !== 'string' || category.length === 0) {
      throw new ValidationError(field, 'is empty');
    }
    checkText(field, category);
    if (!CATEGORY.test(category)) {
      throw new ValidationError(
        field,
        `'${category}' is not a category (a stream id's part before its first '-')`,
      );
    }
  });
  return filter;
};

const isSafeNonNegative = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

export const validatePosition = (position: Position, field: string): Position => {
  if (!isSafeNonNegative(position.transactionId) || !isSafeNonNegative(position.globalPosition)) {
    throw new ValidationError(field, 'must have non-negative integer transaction id and position');
  }
  return position;
};

export const validateExpectedVersion = (expected: ExpectedVersion): ExpectedVersion => {
  if (expected.kind === 'exact' && !isSafeNonNegative(expected.version)) {
    throw new ValidationError(
      'expected_version',
      `must be a non-negative integer (0: the stream does not exist yet), got ${String(expected.version)}`,
    );
  }
  return expected;
};

const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The first nesting level of a JSON value beyond `maxDepth` (the top object is level 1), or
 * null. Walks with its own stack, never recursion: hostile nesting cannot exhaust the call stack,
 * and a cycle stops at the limit.
 */
export const nestingBeyond = (value: unknown, maxDepth: number): number | null => {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth > maxDepth) return item.depth;
    const children = Array.isArray(item.value) ? item.value : Object.values(item.value);
    for (const child of children) {
      if (typeof child === 'object' && child !== null)
        stack.push({ value: child, depth: item.depth + 1 });
    }
  }
  return null;
};

/** Refuses a JSON value nested deeper than `maxDepth`, naming the field. */
export const checkJsonDepth = (
  value: unknown,
  field: string,
  maxDepth = DEFAULT_MAX_JSON_DEPTH,
): void => {
  if (nestingBeyond(value, maxDepth) !== null) {
    throw new ValidationError(
      field,
      `nests objects and arrays more than ${maxDepth} levels deep (HINDSIGHT_MAX_JSON_DEPTH)`,
    );
  }
};

/** Parses JSON text that must hold an object. */
export const parseJsonObject = (text: string, field: string): JsonObject => {
  // The text was decoded strictly by the caller: U+FFFD here is a real character, not a decoding error.
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(field, `is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new ValidationError(field, `must be a JSON object, got ${kind}`);
  }
  if (text.includes('\\u0000') && ESCAPED_NUL.test(text)) {
    throw new ValidationError(field, 'contains the character U+0000, which cannot be stored');
  }
  return value;
};

/** An event checked and encoded for the append function. */
export interface PreparedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  dataJson: string;
  metadataJson: string;
  occurredAt: number | null;
}

const validateMetadata = (
  metadata: EventMetadata | undefined,
  field: string,
  maxDepth: number,
): string => {
  if (metadata === undefined) return '{}';
  if (!isPlainObject(metadata)) throw new ValidationError(field, 'must be an object');
  checkJsonDepth(metadata, field, maxDepth);
  for (const key of ['correlation_id', 'causation_id', 'actor'] as const) {
    const value = metadata[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > MAX_METADATA_STRING) {
      throw new ValidationError(
        `${field}.${key}`,
        `must be a string of at most ${MAX_METADATA_STRING} characters`,
      );
    }
    checkText(`${field}.${key}`, value);
  }
  const text = JSON.stringify(metadata);
  if (text.includes('\\u0000') && ESCAPED_NUL.test(text)) {
    throw new ValidationError(field, 'contains the character U+0000, which cannot be stored');
  }
  return text;
};

const validateDataJson = (event: NewEvent, field: string, maxDepth: number): string => {
  if (event.dataJson !== undefined) {
    if (event.data !== undefined)
      throw new ValidationError(field, 'give data or dataJson, not both');
    checkJsonDepth(parseJsonObject(event.dataJson, field), field, maxDepth);
    return event.dataJson;
  }
  if (!isPlainObject(event.data)) throw new ValidationError(field, 'must be a JSON object');
  checkJsonDepth(event.data, field, maxDepth);
  const text = JSON.stringify(event.data);
  if (text.includes('\\u0000') && ESCAPED_NUL.test(text)) {
    throw new ValidationError(field, 'contains the character U+0000, which cannot be stored');
  }
  return text;
};

/** Limits on appended events that the operator configures. */
export interface AppendLimits {
  /** How deeply data and metadata may nest; default DEFAULT_MAX_JSON_DEPTH. */
  maxJsonDepth?: number;
}

export const prepareEvent = (
  event: NewEvent,
  index: number,
  { maxJsonDepth = DEFAULT_MAX_JSON_DEPTH }: AppendLimits = {},
): PreparedEvent => {
  const at = `events[${index}]`;
  const schemaVersion = event.schemaVersion ?? 1;
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > 1_000_000) {
    throw new ValidationError(
      `${at}.schema_version`,
      `must be an integer from 1, got ${schemaVersion}`,
    );
  }
  const occurredAt = event.occurredAt ?? null;
  if (
    occurredAt !== null &&
    (!Number.isInteger(occurredAt) || occurredAt < MIN_TIME || occurredAt > MAX_TIME)
  ) {
    throw new ValidationError(
      `${at}.occurred_at`,
      `must be milliseconds since the epoch between the years 1900 and 9999, got ${occurredAt}`,
    );
  }
  return {
    id:
      event.eventId === undefined || event.eventId === ''
        ? uuidv7()
        : validateEventId(event.eventId, `${at}.event_id`),
    type: validateEventType(event.type, `${at}.type`),
    schemaVersion,
    dataJson: validateDataJson(event, `${at}.data`, maxJsonDepth),
    metadataJson: validateMetadata(event.metadata, `${at}.metadata`, maxJsonDepth),
    occurredAt,
  };
};

export const prepareEvents = (
  events: readonly NewEvent[],
  limits: AppendLimits = {},
): PreparedEvent[] => {
  if (!Array.isArray(events) || events.length === 0) {
    throw new ValidationError('events', 'at least one event is required');
  }
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new ValidationError(
      'events',
      `at most ${MAX_EVENTS_PER_APPEND} events per append, got ${events.length}`,
    );
  }
  const prepared = events.map((event: NewEvent, i) => prepareEvent(event, i, limits));
  const seen = new Set<string>();
  prepared.forEach((event, i) => {
    if (seen.has(event.id)) {
      throw new ValidationError(`events[${i}].event_id`, `${event.id} appears twice in the batch`);
    }
    seen.add(event.id);
  });
  return prepared;
};
