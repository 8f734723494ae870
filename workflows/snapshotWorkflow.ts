// SnapshotWorkflow: for each aggregate type, pages through its streams, snapshots those past
// the type's policy (or noted as slow to load), removes snapshots of retired reducer code, and
// records `SnapshotsTaken`. Meant for a schedule; each page is a checkpoint in the history.
import { ApplicationFailure, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SnapshotStreamsResult } from '../activities/operations/snapshots.js';
import { failureMessage } from './failureMessage.js';
import { snapshotProgressQuery } from './messages.js';
import { operationsActivities } from './operationsActivities.js';
import { parseSnapshotInput, type SnapshotWorkflowInput } from './operationsInput.js';
import { describeWorkflow } from './searchAttributes.js';
import { checkedInWorkflow } from './inputChecks.js';

export interface SnapshotTypeProgress {
  aggregateType: string;
  scanned: number;
  due: number;
  written: number;
  pruned: number;
  eventsReplayed: number;
  /** Due streams left without a snapshot: their events hold one the upcasters fail on. */
  unreadable: number;
  done: boolean;
}

export interface SnapshotProgress {
  stage: 'listing' | 'snapshotting' | 'done' | 'failed';
  current: string | null;
  aggregates: SnapshotTypeProgress[];
  error: string | null;
}

const STREAMS_PER_ACTIVITY = 5000;

export async function SnapshotWorkflow(
  input: SnapshotWorkflowInput = {},
): Promise<SnapshotProgress> {
  const request = checkedInWorkflow(() => parseSnapshotInput(input));
  describeWorkflow({ kind: 'snapshot', summary: 'snapshots of long streams' });
  const { workflowId } = workflowInfo();
  const progress: SnapshotProgress = {
    stage: 'listing',
    current: null,
    aggregates: [],
    error: null,
  };
  setHandler(snapshotProgressQuery, () => progress);
  const { short, scanning, long } = operationsActivities(request.heartbeatTimeoutMs);
  try {
    const known = await short.listAggregateTypes();
    const unknown = (request.aggregateTypes ?? []).filter((type) => !known.includes(type));
    if (unknown.length > 0) {
      // Checked before any work: a run that fails here has written nothing.
      throw ApplicationFailure.nonRetryable(
        `aggregate type '${unknown.join("', '")}' is unknown (known: ${known.join(', ') || 'none'})`,
        'UNKNOWN_AGGREGATE_TYPE',
      );
    }
    const types = request.aggregateTypes ?? known;
    progress.aggregates = types.map((aggregateType) => ({
      aggregateType,
      scanned: 0,
      due: 0,
      written: 0,
      pruned: 0,
      eventsReplayed: 0,
      unreadable: 0,
      done: false,
    }));
    progress.stage = 'snapshotting';
    for (const entry of progress.aggregates) {
      progress.current = entry.aggregateType;
      let after: string | null = null;
      for (;;) {
        const step: SnapshotStreamsResult = await long.snapshotStreams({
          aggregateType: entry.aggregateType,
          after,
          pageSize: request.pageSize,
          maxStreams: STREAMS_PER_ACTIVITY,
        });
        entry.scanned += step.scanned;
        entry.due += step.due;
        entry.written += step.written;
        entry.eventsReplayed += step.eventsReplayed;
        entry.unreadable += step.unreadable ?? 0; // absent from runs recorded before it existed
        after = step.lastStreamId;
        if (step.done) break;
      }
      entry.pruned = await scanning.pruneSnapshots({ aggregateType: entry.aggregateType });
      await short.recordSnapshotRun({
        workflowId,
        aggregateType: entry.aggregateType,
        scanned: entry.scanned,
        written: entry.written,
        pruned: entry.pruned,
        eventsReplayed: entry.eventsReplayed,
        unreadable: entry.unreadable,
      });
      entry.done = true;
    }
    Object.assign(progress, { stage: 'done', current: null });
    return progress;
  } catch (error) {
    Object.assign(progress, { stage: 'failed', error: failureMessage(error) });
    throw error;
  }
}
