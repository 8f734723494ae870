// Inputs of the operations workflows (migrations, undo, snapshots), checked before anything
// runs: a malformed request fails at once with a message naming the field, and writes nothing.
import { invalid, integerIn } from './inputChecks.js';

export interface MigrationWorkflowInput {
  /** The event type to rewrite, e.g. `WorkOrderBlocked`. */
  eventType: string;
  /** The schema version to rewrite to; the type's upcasters must reach it. */
  toVersion: number;
  /** Counts, samples and checks every upcast, and writes nothing. Default false. */
  dryRun?: boolean;
  /** Events per transaction; default 1000. */
  batchSize?: number;
  /** Before/after pairs a dry run reports; default 5. */
  sampleSize?: number;
  /** How long a silent batch activity counts as alive; default 30 s. */
  heartbeatTimeoutMs?: number;
}

export interface UndoMigrationWorkflowInput {
  migrationId: string;
  batchSize?: number;
  heartbeatTimeoutMs?: number;
}

export interface SnapshotWorkflowInput {
  /** Aggregate types to snapshot; default every type the worker knows. */
  aggregateTypes?: string[];
  /** Streams per query; default 500. */
  pageSize?: number;
  heartbeatTimeoutMs?: number;
}

const objectOf = (raw: unknown, example: string, known: readonly string[]) => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('input', `must be an object such as ${example}`);
  }
  const input = raw as Record<string, unknown>;
  const unknown = Object.keys(input).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw invalid(unknown[0] as string, `is not a field (fields: ${known.join(', ')})`);
  }
  return input;
};

const booleanOr = (input: Record<string, unknown>, field: string, fallback: boolean): boolean => {
  const value = input[field];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean')
    throw invalid(field, `must be true or false, not ${JSON.stringify(value)}`);
  return value;
};

const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,199}$/;
const MIGRATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
const AGGREGATE_TYPE = /^[a-z][a-z0-9_.]*(?:-[a-z0-9_.]+)*$/;

export const parseMigrationInput = (raw: unknown): Required<MigrationWorkflowInput> => {
  const input = objectOf(raw, '{ "eventType": "WorkOrderBlocked", "toVersion": 2 }', [
    'eventType',
    'toVersion',
    'dryRun',
    'batchSize',
    'sampleSize',
    'heartbeatTimeoutMs',
  ]);
  if (typeof input.eventType !== 'string' || !EVENT_TYPE.test(input.eventType)) {
    throw invalid(
      'eventType',
      `must be an event type name, not ${JSON.stringify(input.eventType)}`,
    );
  }
  return {
    eventType: input.eventType,
    toVersion: integerIn(input, 'toVersion', undefined, 2, 1_000_000),
    dryRun: booleanOr(input, 'dryRun', false),
    batchSize: integerIn(input, 'batchSize', 1000, 1, 10_000),
    sampleSize: integerIn(input, 'sampleSize', 5, 0, 100),
    heartbeatTimeoutMs: integerIn(input, 'heartbeatTimeoutMs', 30_000, 1000, 3_600_000),
  };
};

export const parseUndoInput = (raw: unknown): Required<UndoMigrationWorkflowInput> => {
  const input = objectOf(raw, '{ "migrationId": "migration-..." }', [
    'migrationId',
    'batchSize',
    'heartbeatTimeoutMs',
  ]);
  if (typeof input.migrationId !== 'string' || !MIGRATION_ID.test(input.migrationId)) {
    throw invalid(
      'migrationId',
      `must be a migration's id, not ${JSON.stringify(input.migrationId)}`,
    );
  }
  return {
    migrationId: input.migrationId,
    batchSize: integerIn(input, 'batchSize', 1000, 1, 10_000),
    heartbeatTimeoutMs: integerIn(input, 'heartbeatTimeoutMs', 30_000, 1000, 3_600_000),
  };
};

export const parseSnapshotInput = (
  raw: unknown,
): { aggregateTypes: string[] | null; pageSize: number; heartbeatTimeoutMs: number } => {
  const input = objectOf(raw ?? {}, '{ "aggregateTypes": ["work-order"] }', [
    'aggregateTypes',
    'pageSize',
    'heartbeatTimeoutMs',
  ]);
  let aggregateTypes: string[] | null = null;
  if (input.aggregateTypes !== undefined && input.aggregateTypes !== null) {
    const types = input.aggregateTypes;
    if (
      !Array.isArray(types) ||
      types.length === 0 ||
      !types.every((type) => typeof type === 'string' && AGGREGATE_TYPE.test(type))
    ) {
      throw invalid(
        'aggregateTypes',
        `must be a non-empty list of aggregate types such as "work-order", not ${JSON.stringify(types)}`,
      );
    }
    aggregateTypes = [...new Set(types as string[])];
  }
  return {
    aggregateTypes,
    pageSize: integerIn(input, 'pageSize', 500, 1, 10_000),
    heartbeatTimeoutMs: integerIn(input, 'heartbeatTimeoutMs', 30_000, 1000, 3_600_000),
  };
};
