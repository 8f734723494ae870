// The shapes of an upcasting migration: its stored record, its plan and dry run, and where it
// stopped when an upcaster failed.
import type { JsonObject } from '../../types.js';

export type MigrationStatus = 'running' | 'completed' | 'failed' | 'undoing' | 'undone';

export interface MigrationRecord {
  migrationId: string;
  eventType: string;
  toVersion: number;
  cutTransactionId: number;
  status: MigrationStatus;
  total: number;
  migrated: number;
  restored: number;
  /** The undo's cursor: originals up to this position are back. */
  restorePosition: number;
  lastPosition: { transactionId: number; globalPosition: number };
  digestBefore: string | null;
  digestAfter: string | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

/** Where a batch stopped because an upcaster failed: the rows before it are migrated. */
export interface MigrationFailure {
  eventId: string;
  streamId: string;
  globalPosition: number;
  schemaVersion: number;
  message: string;
}

export interface MigrationSample {
  eventId: string;
  streamId: string;
  globalPosition: number;
  fromVersion: number;
  before: JsonObject;
  after: JsonObject;
}

export interface MigrationPlan {
  eventType: string;
  toVersion: number;
  cutTransactionId: number;
  /** Events in scope: the type's events below the cut stored at a version below the target. */
  total: number;
  /** Events in scope by stored schema version. */
  byVersion: Record<string, number>;
  /** Events of the type below the cut already at the target version or later. */
  upToDate: number;
}

export interface DryRunReport extends MigrationPlan {
  samples: MigrationSample[];
  /** Events the upcasters turned without error (all of `total` unless one failed). */
  upcast: number;
  /** The first event an upcaster failed on; the dry run stops there. */
  failure: MigrationFailure | null;
}
