// UpcastMigrationWorkflow: rewrites the stored events of one type to a later schema version, in
// batches in commit order, keeping every original for undo. Its id is the migration's id. A
// crashed worker costs at most the uncommitted batch: the cursor lives with the rows it moved.
// An upcaster that throws stops the migration at that event; it waits, `blocked`, until an
// operator resumes it (after deploying a fixed upcaster) or aborts it.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DryRunReport, MigrationFailure, Verification } from '../eventstore/index.js';
import { failureMessage } from './failureMessage.js';
import { abortMigrationSignal, migrationProgressQuery, resumeMigrationSignal } from './messages.js';
import { operationsActivities } from './operationsActivities.js';
import { parseMigrationInput, type MigrationWorkflowInput } from './operationsInput.js';
import { describeWorkflow } from './searchAttributes.js';
import { checkedInWorkflow } from './inputChecks.js';

export type MigrationStage =
  'planning' | 'migrating' | 'blocked' | 'verifying' | 'recording' | 'done' | 'failed';

export interface MigrationProgress {
  migrationId: string;
  stage: MigrationStage;
  eventType: string;
  toVersion: number;
  dryRun: boolean;
  /** Events in scope (below the cut, below the target version). */
  total: number | null;
  migrated: number;
  percent: number;
  lastPosition: { transactionId: number; globalPosition: number } | null;
  cutTransactionId: number | null;
  /** Where an upcaster failed; the migration waits for `resume` or `abort`. */
  blockedAt: MigrationFailure | null;
  error: string | null;
}

export interface MigrationWorkflowResult {
  migrationId: string;
  dryRun: boolean;
  /** A dry run's report; null for a real migration. */
  report: DryRunReport | null;
  migrated: number;
  verification: Verification | null;
}

/** Each activity returns after this many, so the progress query moves along. */
const EVENTS_PER_ACTIVITY = 10_000;

export async function UpcastMigrationWorkflow(
  input: MigrationWorkflowInput,
): Promise<MigrationWorkflowResult> {
  const request = checkedInWorkflow(() => parseMigrationInput(input));
  describeWorkflow({ kind: 'migration', summary: 'upcasting migration' });
  const migrationId = workflowInfo().workflowId;
  const progress: MigrationProgress = {
    migrationId,
    stage: 'planning',
    eventType: request.eventType,
    toVersion: request.toVersion,
    dryRun: request.dryRun,
    total: null,
    migrated: 0,
    percent: 0,
    lastPosition: null,
    cutTransactionId: null,
    blockedAt: null,
    error: null,
  };
  setHandler(migrationProgressQuery, () => progress);
  let resumeRequested = false;
  let abortReason: string | null = null;
  setHandler(resumeMigrationSignal, () => {
    resumeRequested = true;
  });
  setHandler(abortMigrationSignal, (reason) => {
    abortReason = reason || 'aborted by an operator';
  });

  const { short, long } = operationsActivities(request.heartbeatTimeoutMs);

  let begun = false;
  try {
    const planned = await long.planMigration({
      eventType: request.eventType,
      toVersion: request.toVersion,
      dryRun: request.dryRun,
      sampleSize: request.sampleSize,
    });
    if (planned.dryRun) {
      const { report } = planned;
      Object.assign(progress, {
        stage: 'done',
        total: report.total,
        percent: 100,
        cutTransactionId: report.cutTransactionId,
        blockedAt: report.failure,
      });
      return { migrationId, dryRun: true, report, migrated: 0, verification: null };
    }
    const { plan } = planned;
    Object.assign(progress, { total: plan.total, cutTransactionId: plan.cutTransactionId });
    const begin = await short.beginMigration({ migrationId, plan });
    begun = true;
    Object.assign(progress, { stage: 'migrating', migrated: begin.migrated });

    for (;;) {
      try {
        const step = await long.migrateEvents({
          migrationId,
          batchSize: request.batchSize,
          maxEvents: EVENTS_PER_ACTIVITY,
        });
        Object.assign(progress, {
          migrated: step.record.migrated,
          lastPosition: step.record.lastPosition,
          percent:
            plan.total > 0
              ? Math.min(99, Math.floor((100 * step.record.migrated) / plan.total))
              : 99,
        });
        if (step.done) break;
      } catch (error) {
        const failure =
          error instanceof ActivityFailure && error.cause instanceof ApplicationFailure
            ? error.cause
            : undefined;
        if (failure?.type !== 'UPCASTER_FAILED') throw error;
        const [blockedAt, record] = failure.details as [MigrationFailure, { migrated: number }];
        Object.assign(progress, {
          stage: 'blocked',
          blockedAt,
          migrated: record.migrated,
          error: failure.message,
        });
        resumeRequested = false;
        await condition(() => resumeRequested || abortReason !== null);
        const aborted = abortReason as string | null;
        if (aborted !== null) {
          throw ApplicationFailure.nonRetryable(
            `${aborted}; ${failure.message}`,
            'MIGRATION_ABORTED',
          );
        }
        Object.assign(progress, { stage: 'migrating', blockedAt: null, error: null });
      }
    }

    progress.stage = 'verifying';
    const verification = await long.verifyMigration({ migrationId });
    if (!verification.ok) {
      throw ApplicationFailure.nonRetryable(
        `verification failed for migration ${migrationId}: ${verification.revisions} revisions, ` +
          `${verification.remaining} events left in scope, digests ` +
          `${verification.digestBefore} / ${verification.digestAfter}`,
        'MIGRATION_MISMATCH',
      );
    }
    progress.stage = 'recording';
    await short.recordMigration({
      migrationId,
      type: 'MigrationCompleted',
      extra: { workflowId: migrationId },
    });
    Object.assign(progress, { stage: 'done', percent: 100 });
    return {
      migrationId,
      dryRun: false,
      report: null,
      migrated: progress.migrated,
      verification,
    };
  } catch (error) {
    Object.assign(progress, { stage: 'failed', error: failureMessage(error) });
    if (begun) {
      const ended = await short.failMigration({ migrationId, reason: failureMessage(error) });
      // Verification may have ended it already; either way it failed here, once.
      if (ended.failed || ended.status === 'failed') {
        await short.recordMigration({ migrationId, type: 'MigrationFailed' });
      }
    }
    throw error;
  }
}
