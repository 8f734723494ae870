// Upcasting-migration activities over `eventstore/upcasting/migrations.ts`: plan (or dry-run),
// begin, migrate in batches with heartbeats, verify, record; and the same for undo. Each batch
// commits with the migration's cursor, so a retried activity resumes where the last one stopped.
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import {
  beginMigration as begin,
  beginUndo as beginUndoing,
  dryRunMigration,
  type DryRunReport,
  type EventStore,
  failMigration as fail,
  finishUndo as finishUndoing,
  getMigration,
  migrateBatch,
  type MigrationPlan,
  type MigrationRecord,
  planMigration as plan,
  undoBatch,
  type Verification,
  verifyMigration as verify,
} from '../../eventstore/index.js';
import { cancellationSignal, heartbeat } from '../heartbeat.js';
import { namedEventId } from '../namedEventId.js';

export interface MigrationActivityDeps {
  pool: pg.Pool;
  store: Pick<EventStore, 'upcasters' | 'append'>;
}

export interface PlanMigrationInput {
  eventType: string;
  toVersion: number;
  dryRun: boolean;
  sampleSize: number;
}

export type PlanMigrationResult =
  { dryRun: false; plan: MigrationPlan } | { dryRun: true; report: DryRunReport };

export const planMigration = async (
  { pool, store }: MigrationActivityDeps,
  input: PlanMigrationInput,
): Promise<PlanMigrationResult> => {
  if (!input.dryRun) return { dryRun: false, plan: await plan(pool, store.upcasters, input) };
  const report = await dryRunMigration(pool, store.upcasters, input, (upcast) =>
    heartbeat({ upcast }),
  );
  return { dryRun: true, report };
};

export const beginMigration = async (
  { pool }: MigrationActivityDeps,
  input: { migrationId: string; plan: MigrationPlan },
): Promise<MigrationRecord> => begin(pool, input);

export interface MigrateEventsInput {
  migrationId: string;
  batchSize: number;
  /** Events one call migrates before it returns, so the workflow's history records progress. */
  maxEvents: number;
}

export interface MigrateEventsResult {
  migrated: number;
  record: MigrationRecord;
  done: boolean;
}

export const UPCASTER_FAILED = 'UPCASTER_FAILED';

/**
 * Migrates batches until the scope is done or `maxEvents` are migrated. An upcaster that throws
 * fails the activity (not retried: the same code would fail the same way) naming the event; the
 * rows before it are migrated, the cursor stops before it.
 */
export const migrateEvents = async (
  { pool, store }: MigrationActivityDeps,
  { migrationId, batchSize, maxEvents }: MigrateEventsInput,
): Promise<MigrateEventsResult> => {
  const signal = cancellationSignal();
  let migrated = 0;
  let record = await getMigration(pool, migrationId);
  for (;;) {
    const batch = await migrateBatch(pool, store.upcasters, { migrationId, batchSize });
    migrated += batch.migrated;
    record = batch.record;
    heartbeat({ migrated: record.migrated, lastPosition: record.lastPosition });
    if (batch.failure) {
      throw ApplicationFailure.create({
        type: UPCASTER_FAILED,
        message:
          `migration stopped at event ${batch.failure.eventId} (stream '${batch.failure.streamId}', ` +
          `position ${batch.failure.globalPosition}, v${batch.failure.schemaVersion}): ` +
          batch.failure.message,
        nonRetryable: true,
        details: [batch.failure, record],
      });
    }
    if (batch.done) return { migrated, record, done: true };
    if (migrated >= maxEvents || signal?.aborted) return { migrated, record, done: false };
  }
};

export const verifyMigration = async (
  { pool, store }: MigrationActivityDeps,
  { migrationId }: { migrationId: string },
): Promise<Verification> =>
  verify(pool, store.upcasters, { migrationId }, (checked) => heartbeat({ checked }));

export const failMigration = async (
  { pool }: MigrationActivityDeps,
  { migrationId, reason }: { migrationId: string; reason: string },
): Promise<MigrationRecord & { failed: boolean }> => fail(pool, migrationId, reason);

export const beginUndo = async (
  { pool }: MigrationActivityDeps,
  { migrationId }: { migrationId: string },
): Promise<MigrationRecord> => beginUndoing(pool, migrationId);

export const undoEvents = async (
  { pool }: MigrationActivityDeps,
  { migrationId, batchSize, maxEvents }: MigrateEventsInput,
): Promise<{ restored: number; record: MigrationRecord; done: boolean }> => {
  let restored = 0;
  for (;;) {
    const batch = await undoBatch(pool, { migrationId, batchSize });
    restored += batch.restored;
    heartbeat({ restored: batch.record.restored });
    if (batch.done) return { restored, record: batch.record, done: true };
    if (restored >= maxEvents) return { restored, record: batch.record, done: false };
  }
};

export const finishUndo = async (
  { pool }: MigrationActivityDeps,
  { migrationId }: { migrationId: string },
): Promise<{ ok: boolean; restored: number; different: number }> =>
  finishUndoing(pool, migrationId);

export type MigrationEventType = 'MigrationCompleted' | 'MigrationFailed' | 'MigrationUndone';

/** The migration's outcome on `hindsight.migrations-<event type>`, once per outcome. */
export const recordMigration = async (
  { pool, store }: MigrationActivityDeps,
  { migrationId, type, extra }: { migrationId: string; type: MigrationEventType; extra?: object },
): Promise<{ streamId: string; streamVersion: number }> => {
  const record = await getMigration(pool, migrationId);
  const streamId = `hindsight.migrations-${record.eventType}`;
  const result = await store.append(streamId, [
    {
      eventId: namedEventId(`${type}:${migrationId}`),
      type,
      data: {
        migrationId,
        eventType: record.eventType,
        toVersion: record.toVersion,
        cutTransactionId: record.cutTransactionId,
        total: record.total,
        migrated: record.migrated,
        restored: record.restored,
        digestBefore: record.digestBefore,
        digestAfter: record.digestAfter,
        error: record.error,
        ...extra,
      },
      metadata: { correlation_id: migrationId, actor: 'hindsight-worker' },
    },
  ]);
  return { streamId, streamVersion: result.streamVersion };
};
