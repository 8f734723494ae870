// Upcasters: pure functions that turn an event's data of schema version n into version n + 1.
// Reads return every event at its type's latest version; appending an older version is accepted
// and stored as given (the log keeps what the client said), reads upcast it, and an upcasting
// migration may rewrite the stored rows later, keeping the originals.
import { createHash } from 'node:crypto';
import type { JsonObject, StoredEvent } from '../types.js';
import { UpcastError } from './upcastError.js';

/** What an upcaster may know of the event besides its data: never the time of the read. */
export interface UpcastContext {
  eventId: string;
  streamId: string;
  type: string;
  occurredAt: number;
}

export type Upcaster = (data: JsonObject, event: UpcastContext) => JsonObject;

/** Per event type, the upcaster from each version: `{ 1: v1 → v2, 2: v2 → v3 }`. */
export type UpcasterDefinitions = Readonly<Record<string, Readonly<Record<number, Upcaster>>>>;

export interface UpcastResult {
  schemaVersion: number;
  data: JsonObject;
}

export interface UpcasterRegistry {
  /** Event types that have upcasters, sorted. */
  readonly eventTypes: readonly string[];
  /** sha256 over every chain's source text: what readers see depends on this code. */
  readonly codeHash: string;
  /** The latest schema version of a type; undefined for a type without upcasters. */
  latestVersion: (type: string) => number | undefined;
  /**
   * Checks that events of `type` can be upcast to `toVersion`: the type has upcasters and the
   * chain has every step. Throws an UpcastError (`UNKNOWN_EVENT_TYPE`, `MISSING_STEP`,
   * `INVALID_TARGET`) saying what is wrong.
   */
  checkTarget: (type: string, toVersion: number) => void;
  /** Upcasts data from `version` to `toVersion` (default: the latest). Pure; throws UpcastError. */
  upcast: (
    event: UpcastContext & { schemaVersion: number; data: JsonObject },
    toVersion?: number,
  ) => UpcastResult;
  /** A stored event at its type's latest version; the same object when nothing changes. */
  upcastStored: (event: StoredEvent) => StoredEvent;
}

const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.getPrototypeOf(value) === Object.prototype;

/**
 * Builds the registry and checks every chain at once: each type's steps must run from version 1
 * without a gap, so a worker with a broken chain refuses to start instead of failing on a read.
 */
export const defineUpcasters = (
  definitions: UpcasterDefinitions,
  {
    constants,
  }: {
    /** Values the upcasters read from outside themselves: part of the code hash too. */
    constants?: JsonObject;
  } = {},
): UpcasterRegistry => {
  const chains = new Map<string, Upcaster[]>();
  for (const [type, steps] of Object.entries(definitions)) {
    const versions = Object.keys(steps)
      .map(Number)
      .sort((a, b) => a - b);
    if (versions.length === 0) {
      throw new UpcastError('MISSING_STEP', `event type '${type}' has an empty upcaster chain`);
    }
    const chain: Upcaster[] = [];
    const keys = Object.keys(steps);
    versions.forEach((version, index) => {
      if (!Number.isSafeInteger(version) || version < 1) {
        const key = keys.find((k) => !(Number.isSafeInteger(Number(k)) && Number(k) >= 1));
        throw new UpcastError(
          'INVALID_TARGET',
          `event type '${type}': an upcaster is keyed by the version it reads, a positive integer, not '${key ?? version}'`,
        );
      }
      if (version !== index + 1) {
        throw new UpcastError(
          'MISSING_STEP',
          `event type '${type}': no upcaster from v${index + 1} to v${index + 2} ` +
            `(the chain has steps from ${versions.map((v) => `v${v}`).join(', ')})`,
        );
      }
      const step = steps[version];
      if (typeof step !== 'function') {
        throw new UpcastError(
          'MISSING_STEP',
          `event type '${type}': the upcaster from v${version} is not a function`,
        );
      }
      chain.push(step);
    });
    chains.set(type, chain);
  }

  const latestVersion = (type: string): number | undefined => {
    const chain = chains.get(type);
    return chain ? chain.length + 1 : undefined;
  };

  const checkTarget = (type: string, toVersion: number): void => {
    const latest = latestVersion(type);
    if (latest === undefined) {
      const known = [...chains.keys()].sort();
      throw new UpcastError(
        'UNKNOWN_EVENT_TYPE',
        `event type '${type}' has no upcasters` +
          (known.length
            ? ` (types with upcasters: ${known.join(', ')})`
            : ' (none are registered)'),
      );
    }
    if (!Number.isSafeInteger(toVersion) || toVersion < 2) {
      throw new UpcastError(
        'INVALID_TARGET',
        `to_version must be an integer of at least 2, got ${toVersion}`,
      );
    }
    if (toVersion > latest) {
      throw new UpcastError(
        'MISSING_STEP',
        `event type '${type}' has no upcaster from v${latest} to v${latest + 1}: ` +
          `its latest version is v${latest}`,
      );
    }
  };

  const upcast: UpcasterRegistry['upcast'] = (event, toVersion) => {
    const chain = chains.get(event.type);
    const target = toVersion ?? (chain ? chain.length + 1 : event.schemaVersion);
    if (!chain || event.schemaVersion >= target) {
      return { schemaVersion: event.schemaVersion, data: event.data };
    }
    let data = event.data;
    for (let version = event.schemaVersion; version < target; version += 1) {
      const step = chain[version - 1];
      const where = `event ${event.eventId} (${event.type} in stream '${event.streamId}')`;
      if (!step) {
        throw new UpcastError('MISSING_STEP', `${where}: no upcaster from v${version}`);
      }
      let next: unknown;
      try {
        next = step(data, event);
      } catch (error) {
        throw new UpcastError(
          'UPCASTER_FAILED',
          `the upcaster of ${event.type} from v${version} to v${version + 1} failed on ${where}: ` +
            `${(error as Error).message}`,
          { cause: error },
        );
      }
      if (!isPlainObject(next)) {
        throw new UpcastError(
          'UPCASTER_FAILED',
          `the upcaster of ${event.type} from v${version} to v${version + 1} returned no JSON ` +
            `object for ${where}`,
        );
      }
      data = next;
    }
    return { schemaVersion: target, data };
  };

  const upcastStored = (event: StoredEvent): StoredEvent => {
    const chain = chains.get(event.type);
    if (!chain || event.schemaVersion > chain.length) return event;
    const result = upcast({ ...event, data: JSON.parse(event.data) as JsonObject });
    return { ...event, schemaVersion: result.schemaVersion, data: JSON.stringify(result.data) };
  };

  const eventTypes = [...chains.keys()].sort();
  const codeHash = createHash('sha256')
    .update(
      JSON.stringify({
        chains: eventTypes.map((type) => [
          type,
          (chains.get(type) ?? []).map((step) => step.toString()),
        ]),
        constants: constants ?? null,
      }),
    )
    .digest('hex');
  return {
    eventTypes,
    codeHash,
    latestVersion,
    checkTarget,
    upcast,
    upcastStored,
  };
};

/** No upcasters: every event reads as stored. */
export const NO_UPCASTERS: UpcasterRegistry = defineUpcasters({});
