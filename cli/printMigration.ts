// How the migrations commands show a migration: aligned lines for people, plain JSON for tools
// (bytes fields parsed, enums as names).
import {
  MigrationStatus,
  type DryRunReport,
  type Migration,
  type UpcastFailure,
} from '../gen/hindsight/v1/operations.js';

const STATUS_NAMES: Partial<Record<MigrationStatus, string>> = {
  [MigrationStatus.MIGRATION_STATUS_RUNNING]: 'running',
  [MigrationStatus.MIGRATION_STATUS_COMPLETED]: 'completed',
  [MigrationStatus.MIGRATION_STATUS_FAILED]: 'failed',
  [MigrationStatus.MIGRATION_STATUS_UNDOING]: 'undoing',
  [MigrationStatus.MIGRATION_STATUS_UNDONE]: 'undone',
};

export const migrationStatusName = (status: MigrationStatus): string =>
  STATUS_NAMES[status] ?? 'unknown';

const parsed = (bytes: Uint8Array): unknown =>
  bytes.length ? (JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown) : null;

const reportAsJson = (report: DryRunReport) => ({
  ...report,
  samples: report.samples.map(({ beforeJson, afterJson, ...sample }) => ({
    ...sample,
    before: parsed(beforeJson),
    after: parsed(afterJson),
  })),
});

export const migrationAsJson = (migration: Migration) => ({
  ...migration,
  status: migrationStatusName(migration.status),
  report: migration.report ? reportAsJson(migration.report) : null,
  blockedAt: migration.blockedAt ?? null,
  undo: migration.undo ?? null,
});

const out = (line: string): boolean => process.stdout.write(`${line}\n`);

const time = (ms: number): string => (ms ? new Date(ms).toISOString() : '-');

const failureLine = (failure: UpcastFailure): string =>
  `event ${failure.eventId} (stream '${failure.streamId}', position ${failure.globalPosition}, v${failure.schemaVersion}): ${failure.message}`;

const printReport = (report: DryRunReport): void => {
  const versions = Object.entries(report.byVersion)
    .map(([version, n]) => `v${version}: ${n}`)
    .join(', ');
  out(
    `report     ${report.total} events in scope (${versions || 'none'}), ` +
      `${report.upToDate} up to date, ${report.upcast} upcast without error`,
  );
  report.samples.forEach((sample, i) => {
    out(
      `sample ${String(i + 1).padEnd(3)} ${sample.streamId} @${sample.globalPosition} (v${sample.fromVersion})`,
    );
    out(`  before   ${Buffer.from(sample.beforeJson).toString('utf8')}`);
    out(`  after    ${Buffer.from(sample.afterJson).toString('utf8')}`);
  });
  if (report.failure) out(`failure    ${failureLine(report.failure)}`);
};

export const printMigration = (m: Migration): void => {
  out(`migration  ${m.migrationId}${m.dryRun ? ' (dry run: writes nothing)' : ''}`);
  out(`event      ${m.eventType} → v${m.toVersion}`);
  out(
    `status     ${migrationStatusName(m.status)}` +
      `${m.stage ? ` (stage ${m.stage}, ${m.percent}%)` : ''}` +
      `${m.workflowStatus ? `, workflow ${m.workflowStatus.toLowerCase()}` : ''}`,
  );
  if (!m.dryRun) {
    out(
      `events     ${m.migrated} of ${m.total} migrated${m.restored ? `, ${m.restored} restored` : ''}`,
    );
  }
  if (m.cutTransactionId) out(`cut        below transaction ${m.cutTransactionId}`);
  if (m.digestBefore || m.digestAfter) {
    const same = m.digestBefore === m.digestAfter ? 'equal' : 'DIFFERENT';
    out(`digests    ${m.digestBefore} / ${m.digestAfter} (${same})`);
  }
  if (m.blockedAt) {
    out(`blocked    ${failureLine(m.blockedAt)}`);
    out(
      `           fix the upcaster, then: hindsight migrations resume ${m.migrationId}` +
        ` (or give up: hindsight migrations abort ${m.migrationId} --reason …)`,
    );
  } else if (m.error) out(`error      ${m.error}`);
  if (m.report) printReport(m.report);
  if (m.undo) {
    out(
      `undo       ${m.undo.workflowId}: ${m.undo.workflowStatus.toLowerCase()} (stage ${m.undo.stage}, ` +
        `${m.undo.percent}%), ${m.undo.restored} restored${m.undo.failure ? `: ${m.undo.failure}` : ''}`,
    );
  }
  out(`started    ${time(m.startedAtMs)}`);
  out(`finished   ${time(m.finishedAtMs)}`);
};

export const printMigrationLine = (m: Migration): void => {
  out(
    `${m.migrationId.padEnd(52)} ${m.eventType.padEnd(22)} v${String(m.toVersion).padEnd(3)} ` +
      `${migrationStatusName(m.status).padEnd(10)} ${`${m.migrated}/${m.total}`.padEnd(14)} ${time(m.startedAtMs)}`,
  );
};
