// The Operations service's messages from the migration records, workflow progress and reports,
// and the snapshot statistics of the event store.
import type {
  DryRunReport as Report,
  MigrationFailure,
  MigrationRecord,
  MigrationStatus as RecordStatus,
  SnapshotStats as Stats,
} from '../../eventstore/index.js';
import {
  MigrationStatus,
  type DryRunReport,
  type Migration,
  type SnapshotSchedule,
  type SnapshotStats,
  type UpcastFailure,
} from '../../gen/hindsight/v1/operations.js';
import type { SnapshotScheduleSummary } from '../schedules/snapshotSchedule.js';

const RECORD_STATUS: Record<RecordStatus, MigrationStatus> = {
  running: MigrationStatus.MIGRATION_STATUS_RUNNING,
  completed: MigrationStatus.MIGRATION_STATUS_COMPLETED,
  failed: MigrationStatus.MIGRATION_STATUS_FAILED,
  undoing: MigrationStatus.MIGRATION_STATUS_UNDOING,
  undone: MigrationStatus.MIGRATION_STATUS_UNDONE,
};

/** A dry run stores no record: its status is its workflow's. */
export const statusOfWorkflow = (name: string | undefined): MigrationStatus => {
  if (name === 'RUNNING') return MigrationStatus.MIGRATION_STATUS_RUNNING;
  if (name === 'COMPLETED') return MigrationStatus.MIGRATION_STATUS_COMPLETED;
  if (name === undefined) return MigrationStatus.MIGRATION_STATUS_UNSPECIFIED;
  return MigrationStatus.MIGRATION_STATUS_FAILED;
};

export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

export const toUpcastFailure = (failure: MigrationFailure): UpcastFailure => ({ ...failure });

export const toDryRunReport = (report: Report): DryRunReport => ({
  total: report.total,
  byVersion: Object.fromEntries(
    Object.entries(report.byVersion).map(([version, n]) => [Number(version), n]),
  ),
  upToDate: report.upToDate,
  upcast: report.upcast,
  samples: report.samples.map((sample) => ({
    eventId: sample.eventId,
    streamId: sample.streamId,
    globalPosition: sample.globalPosition,
    fromVersion: sample.fromVersion,
    beforeJson: json(sample.before),
    afterJson: json(sample.after),
  })),
  failure: report.failure ? toUpcastFailure(report.failure) : undefined,
  cutTransactionId: report.cutTransactionId,
});

/** A migration as its record alone says (ListMigrations; GetMigration adds the live parts). */
export const toMigration = (record: MigrationRecord): Migration => ({
  migrationId: record.migrationId,
  eventType: record.eventType,
  toVersion: record.toVersion,
  dryRun: false,
  status: RECORD_STATUS[record.status],
  workflowStatus: '',
  stage: '',
  percent: record.status === 'completed' || record.status === 'undone' ? 100 : 0,
  total: record.total,
  migrated: record.migrated,
  restored: record.restored,
  cutTransactionId: record.cutTransactionId,
  lastTransactionId: record.lastPosition.transactionId,
  lastGlobalPosition: record.lastPosition.globalPosition,
  digestBefore: record.digestBefore ?? '',
  digestAfter: record.digestAfter ?? '',
  error: record.error ?? '',
  startedAtMs: record.startedAt,
  finishedAtMs: record.finishedAt ?? 0,
  recorded: true,
  blockedAt: undefined,
  report: undefined,
  undo: undefined,
});

export const toSnapshotStats = (stats: Stats): SnapshotStats => ({
  aggregateType: stats.aggregateType,
  category: stats.category,
  codeHash: stats.codeHash,
  stateSchemaVersion: stats.stateSchemaVersion,
  everyEvents: stats.policy.everyEvents,
  maxLoadMs: stats.policy.maxLoadMs ?? 0,
  streams: stats.streams,
  snapshotted: stats.snapshotted,
  due: stats.due,
  stale: stats.stale,
  slowLoads: stats.slowLoads,
  tailMean: stats.tail.mean,
  tailMax: stats.tail.max,
  lastSnapshotAtMs: stats.lastSnapshotAt ?? 0,
});

export const toSnapshotSchedule = (summary: SnapshotScheduleSummary): SnapshotSchedule => ({
  scheduleId: summary.id,
  intervalSeconds: summary.intervalSeconds,
  paused: summary.paused,
  nextRunAtMs: summary.nextRunAt ?? 0,
});
