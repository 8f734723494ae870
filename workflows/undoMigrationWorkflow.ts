// UndoMigrationWorkflow: puts back the original payloads a migration replaced, exactly as they
// were stored, in batches; then checks every row and records `MigrationUndone`.
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { failureMessage } from './failureMessage.js';
import { undoProgressQuery } from './messages.js';
import { operationsActivities } from './operationsActivities.js';
import { parseUndoInput, type UndoMigrationWorkflowInput } from './operationsInput.js';
import { describeWorkflow } from './searchAttributes.js';
import { checkedInWorkflow } from './inputChecks.js';

export interface UndoProgress {
  migrationId: string;
  stage: 'starting' | 'restoring' | 'checking' | 'done' | 'failed';
  /** Originals the migration kept. */
  total: number | null;
  restored: number;
  percent: number;
  error: string | null;
}

export async function UndoMigrationWorkflow(
  input: UndoMigrationWorkflowInput,
): Promise<{ migrationId: string; restored: number }> {
  const request = checkedInWorkflow(() => parseUndoInput(input));
  describeWorkflow({ kind: 'undo-migration', summary: 'undo of a migration' });
  const { migrationId } = request;
  const progress: UndoProgress = {
    migrationId,
    stage: 'starting',
    total: null,
    restored: 0,
    percent: 0,
    error: null,
  };
  setHandler(undoProgressQuery, () => progress);
  const { short, long } = operationsActivities(request.heartbeatTimeoutMs);
  try {
    const record = await short.beginUndo({ migrationId });
    Object.assign(progress, {
      stage: 'restoring',
      total: record.migrated,
      restored: record.restored,
    });
    for (;;) {
      const step = await long.undoEvents({
        migrationId,
        batchSize: request.batchSize,
        maxEvents: 10_000,
      });
      progress.restored = step.record.restored;
      progress.percent =
        record.migrated > 0
          ? Math.min(99, Math.floor((100 * step.record.restored) / record.migrated))
          : 99;
      if (step.done) break;
    }
    progress.stage = 'checking';
    const check = await long.finishUndo({ migrationId });
    if (!check.ok) {
      throw ApplicationFailure.nonRetryable(
        `undo of ${migrationId} left ${check.different} of ${check.restored} rows different from their originals`,
        'MIGRATION_MISMATCH',
      );
    }
    await short.recordMigration({ migrationId, type: 'MigrationUndone' });
    Object.assign(progress, { stage: 'done', percent: 100, restored: check.restored });
    return { migrationId, restored: check.restored };
  } catch (error) {
    Object.assign(progress, { stage: 'failed', error: failureMessage(error) });
    throw error;
  }
}
