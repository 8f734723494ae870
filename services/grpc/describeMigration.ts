// A migration as GetMigration shows it: its record in hindsight.migrations (a dry run has none),
// its workflow's live progress while it runs, a finished dry run's report, and its undo.
import type { Client } from '@temporalio/client';
import {
  getMigration,
  MigrationError,
  type MigrationRecord,
  type Sql,
} from '../../eventstore/index.js';
import type { Migration, MigrationUndo } from '../../gen/hindsight/v1/operations.js';
import { migrationProgressQuery, undoProgressQuery } from '../../workflows/messages.js';
import type { MigrationWorkflowInput } from '../../workflows/operationsInput.js';
import type { UndoMigrationWorkflow } from '../../workflows/undoMigrationWorkflow.js';
import type { UpcastMigrationWorkflow } from '../../workflows/upcastMigrationWorkflow.js';
import { WORKFLOW_TYPES } from '../../workflows/workflowTypes.js';
import {
  statusOfWorkflow,
  toDryRunReport,
  toMigration,
  toUpcastFailure,
} from './operationsCodec.js';
import { findWorkflow, workflowOutcome } from './workflowOutcome.js';

export const undoWorkflowId = (migrationId: string): string => `undo-${migrationId}`;

export const migrationNotFound = (id: string): MigrationError =>
  new MigrationError('MIGRATION_NOT_FOUND', `migration '${id}' not found`);

/** The record, or null when there is none. */
export const findMigrationRecord = (sql: Sql, id: string): Promise<MigrationRecord | null> =>
  getMigration(sql, id).catch((error: unknown) => {
    if (error instanceof MigrationError && error.reason === 'MIGRATION_NOT_FOUND') return null;
    throw error;
  });

const describeUndo = async (
  client: Client,
  migrationId: string,
): Promise<MigrationUndo | undefined> => {
  const workflowId = undoWorkflowId(migrationId);
  const workflow = await findWorkflow<typeof UndoMigrationWorkflow>(
    client,
    workflowId,
    WORKFLOW_TYPES.UndoMigrationWorkflow,
  );
  if (!workflow) return undefined;
  const { progress, result, failure } = await workflowOutcome(workflow, undoProgressQuery);
  return {
    workflowId,
    workflowStatus: workflow.description.status.name,
    stage: progress?.stage ?? (result ? 'done' : 'failed'),
    percent: progress?.percent ?? (result ? 100 : 0),
    restored: progress?.restored ?? result?.restored ?? 0,
    failure: progress?.error ?? failure,
  };
};

/** Throws MIGRATION_NOT_FOUND when neither a record nor a workflow has this id. */
export const describeMigration = async (
  client: Client,
  sql: Sql,
  id: string,
): Promise<Migration> => {
  const [record, workflow] = await Promise.all([
    findMigrationRecord(sql, id),
    findWorkflow<typeof UpcastMigrationWorkflow>(
      client,
      id,
      WORKFLOW_TYPES.UpcastMigrationWorkflow,
    ),
  ]);
  if (!record && !workflow) throw migrationNotFound(id);
  const { progress, result, failure } = workflow
    ? await workflowOutcome(workflow, migrationProgressQuery)
    : { progress: undefined, result: undefined, failure: '' };
  const memo = (workflow?.description.memo ?? {}) as Partial<MigrationWorkflowInput>;
  const report = result?.report ?? null;
  const base: Migration = record
    ? toMigration(record)
    : {
        ...toMigration({
          migrationId: id,
          eventType: '',
          toVersion: 0,
          cutTransactionId: report?.cutTransactionId ?? progress?.cutTransactionId ?? 0,
          status: 'running',
          total: report?.total ?? progress?.total ?? 0,
          migrated: progress?.migrated ?? 0,
          restored: 0,
          restorePosition: 0,
          lastPosition: progress?.lastPosition ?? { transactionId: 0, globalPosition: 0 },
          digestBefore: null,
          digestAfter: null,
          error: null,
          startedAt: workflow?.description.startTime.getTime() ?? 0,
          finishedAt: workflow?.description.closeTime?.getTime() ?? null,
        }),
        recorded: false,
        status: statusOfWorkflow(workflow?.description.status.name),
        dryRun: progress?.dryRun ?? result?.dryRun ?? memo.dryRun ?? false,
        percent: result ? 100 : 0,
      };
  return {
    ...base,
    eventType: base.eventType || progress?.eventType || memo.eventType || '',
    toVersion: base.toVersion || progress?.toVersion || memo.toVersion || 0,
    workflowStatus: workflow?.description.status.name ?? '',
    stage: progress?.stage ?? (result ? 'done' : workflow ? 'failed' : ''),
    percent: progress?.percent ?? base.percent,
    error: base.error || progress?.error || failure,
    blockedAt:
      progress?.stage === 'blocked' && progress.blockedAt
        ? toUpcastFailure(progress.blockedAt)
        : undefined,
    report: report ? toDryRunReport(report) : undefined,
    undo: record ? await describeUndo(client, id) : undefined,
  };
};
