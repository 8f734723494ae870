// DatasetWorkflow: cut → batches of the log through the feature view → one Parquet file with a
// manifest in MLflow → `DatasetGenerated` on the platform's stream. Each finished batch is a
// checkpoint in the workflow's history: a crashed worker costs only the unfinished batch.
import {
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DatasetActivities } from '../activities/datasets/index.js';
import type { PublishedDataset, RecordedDataset } from '../activities/datasets/types.js';
import { SCANNING_ACTIVITY, SHORT_ACTIVITY, backingOff } from './activityTimeouts.js';
import { parseDatasetInput, type DatasetWorkflowInput } from './datasetInput.js';
import { failureMessage } from './failureMessage.js';
import { datasetProgressQuery } from './messages.js';
import { describeWorkflow } from './searchAttributes.js';
import { checkedInWorkflow } from './inputChecks.js';

export type DatasetStage = 'resolving' | 'reading' | 'publishing' | 'recording' | 'done' | 'failed';

export interface DatasetProgress {
  stage: DatasetStage;
  view: string;
  cut: number | null;
  /** Events read so far, of the events below the cut that the view reads. */
  events: { read: number; total: number | null };
  rows: number;
  batches: number;
  /** 0 to 100, over reading the log; publishing counts as the last step. */
  percent: number;
  runId: string | null;
  digest: string | null;
  /** The earlier dataset this one builds on (its view state and labelled rows); null: none. */
  base: { cut: number; digest: string; events: number } | null;
  error: string | null;
}

export interface DatasetWorkflowResult extends PublishedDataset {
  digest: string;
  record: RecordedDataset;
}

const retrying = backingOff;

export async function DatasetWorkflow(input: DatasetWorkflowInput): Promise<DatasetWorkflowResult> {
  const request = checkedInWorkflow(() => parseDatasetInput(input));
  describeWorkflow({
    kind: 'dataset',
    view: request.view,
    summary: `dataset of ${request.view}${request.cut === null ? '' : ` at cut ${request.cut}`}`,
  });
  const { workflowId } = workflowInfo();
  const progress: DatasetProgress = {
    stage: 'resolving',
    view: request.view,
    cut: request.cut,
    events: { read: 0, total: null },
    rows: 0,
    batches: 0,
    percent: 0,
    runId: null,
    digest: null,
    base: null,
    error: null,
  };
  setHandler(datasetProgressQuery, () => progress);

  const short = proxyActivities<DatasetActivities>({
    ...SHORT_ACTIVITY,
    retry: retrying(request.activityAttempts),
  });
  // Counts the events below the cut: as long as the log makes it, beating meanwhile.
  const scanning = proxyActivities<DatasetActivities>({
    ...SCANNING_ACTIVITY,
    retry: retrying(request.activityAttempts),
  });
  const long = proxyActivities<DatasetActivities>({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: request.heartbeatTimeoutMs,
    retry: retrying(request.activityAttempts),
  });

  let runId: string | null = null;
  try {
    const {
      view,
      cut,
      events: total,
      base = null,
      upcastersHash,
    } = await scanning.resolveDataset({
      view: request.view,
      cut: request.cut,
      incremental: request.incremental,
    });
    progress.base = base && {
      cut: base.cutTransactionId,
      digest: base.digest,
      events: base.events,
    };
    Object.assign(progress, { cut: cut.transactionId, events: { read: 0, total } });
    const run = await short.openDatasetRun({
      workflowId,
      view,
      cut,
      ...(request.pipeline ? { pipeline: request.pipeline } : {}),
    });
    runId = run.runId;
    progress.runId = runId;

    progress.stage = 'reading';
    const rowsArtifacts: string[] = [];
    // On a base, reading starts after the last event its view state has seen.
    let after = base?.position ?? { transactionId: 0, globalPosition: 0 };
    let clock: number | null = null;
    for (let batch = 1; ; batch += 1) {
      const result = await long.generateDatasetBatch({
        runId,
        view,
        cut,
        batch,
        after,
        maxEvents: request.eventsPerBatch,
        pageSize: request.pageSize,
        base,
      });
      rowsArtifacts.push(result.rowsArtifact);
      after = result.checkpoint;
      clock = result.clock ?? null;
      progress.batches = batch;
      progress.rows += result.rows;
      progress.events.read += result.events;
      progress.percent = Math.min(
        99,
        total > 0 ? Math.floor((100 * progress.events.read) / total) : 99,
      );
      if (result.done) break;
    }

    progress.stage = 'publishing';
    const published = await long.publishDataset({
      runId,
      workflowId,
      view,
      cut,
      rowsArtifacts,
      events: progress.events.read,
      base,
      upcastersHash,
      validationFraction: request.validationFraction,
      testFraction: request.testFraction,
      purge: request.purge,
      clock,
    });
    progress.digest = published.manifest.digest;

    progress.stage = 'recording';
    const record = await short.recordDatasetGenerated({ workflowId, published });
    Object.assign(progress, { stage: 'done', percent: 100 });
    return { ...published, digest: published.manifest.digest, record };
  } catch (error) {
    Object.assign(progress, { stage: 'failed', error: failureMessage(error) });
    if (runId !== null) {
      const reason = failureMessage(error);
      const abandon = () => short.abandonDatasetRun({ runId: runId as string, reason });
      // A cancelled workflow still marks its run failed before it ends.
      await (isCancellation(error) ? CancellationScope.nonCancellable(abandon) : abandon()).catch(
        () => undefined,
      );
    }
    throw error;
  }
}
