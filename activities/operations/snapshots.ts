// Snapshot activities: find the streams past their aggregate's policy, page by page, and write
// their snapshots, heartbeating how far the run got; remove snapshots of retired code.
import {
  type AggregateRegistry,
  type EventStore,
  type SnapshotStats,
  UpcastError,
} from '../../eventstore/index.js';
import { beatingWhile, cancellationSignal, heartbeat } from '../heartbeat.js';
import { namedEventId } from '../namedEventId.js';
import {
  SNAPSHOTS_TAKEN,
  snapshotStreamOf,
  type SnapshotsTaken,
} from '../../platform/snapshotEvents.js';

export interface SnapshotActivityDeps {
  store: Pick<EventStore, 'snapshots' | 'append'>;
  aggregates: AggregateRegistry;
}

export interface SnapshotStreamsInput {
  aggregateType: string;
  /** Continue after this stream id (from the previous call); null from the start. */
  after: string | null;
  /** Streams read per query. */
  pageSize: number;
  /** Streams one call looks at before it returns, so the workflow's history records progress. */
  maxStreams: number;
}

export interface SnapshotStreamsResult {
  scanned: number;
  due: number;
  written: number;
  /** Due streams left without a snapshot: a poison event in them (the upcasters fail on it). */
  unreadable: number;
  eventsReplayed: number;
  lastStreamId: string | null;
  done: boolean;
}

export interface SnapshotHeartbeat {
  aggregateType: string;
  after: string | null;
  scanned: number;
  written: number;
}

export const snapshotStreams = async (
  { store, aggregates }: SnapshotActivityDeps,
  { aggregateType, after, pageSize, maxStreams }: SnapshotStreamsInput,
): Promise<SnapshotStreamsResult> => {
  const aggregate = aggregates.get(aggregateType);
  const signal = cancellationSignal();
  const result: SnapshotStreamsResult = {
    scanned: 0,
    due: 0,
    written: 0,
    unreadable: 0,
    eventsReplayed: 0,
    lastStreamId: after,
    done: false,
  };
  while (result.scanned < maxStreams && !signal?.aborted) {
    const page = await store.snapshots.due(aggregate, {
      after: result.lastStreamId,
      limit: pageSize,
    });
    for (const stream of page.due) {
      result.due += 1;
      let taken;
      try {
        taken = await store.snapshots.take(aggregate, stream.streamId);
      } catch (error) {
        // A poison event stops only its own stream: loading it fails as before (an aggregate's
        // state never skips an event), and the other streams get their snapshots.
        if (!(error instanceof UpcastError)) throw error;
        result.unreadable += 1;
        continue;
      }
      if (taken.written) result.written += 1;
      result.eventsReplayed += taken.eventsReplayed;
    }
    result.scanned += page.scanned;
    result.lastStreamId = page.lastStreamId ?? result.lastStreamId;
    heartbeat({
      aggregateType,
      after: result.lastStreamId,
      scanned: result.scanned,
      written: result.written,
    } satisfies SnapshotHeartbeat);
    if (page.scanned < pageSize) {
      result.done = true;
      break;
    }
  }
  return result;
};

export const snapshotStatsOf = async (
  { store, aggregates }: SnapshotActivityDeps,
  { aggregateTypes }: { aggregateTypes: string[] | null },
): Promise<SnapshotStats[]> =>
  Promise.all(
    (aggregateTypes ?? [...aggregates.types]).map((type) =>
      store.snapshots.stats(aggregates.get(type)),
    ),
  );

export const pruneSnapshots = async (
  { store, aggregates }: SnapshotActivityDeps,
  { aggregateType }: { aggregateType: string },
): Promise<number> => beatingWhile(store.snapshots.prune(aggregates.get(aggregateType)));

export const listAggregateTypes = ({ aggregates }: SnapshotActivityDeps): Promise<string[]> =>
  Promise.resolve([...aggregates.types]);

/** What a run did to one aggregate type's streams: the data of its `SnapshotsTaken`. */
export type RecordSnapshotRunInput = SnapshotsTaken;

/** `SnapshotsTaken` on `hindsight.snapshots-<aggregate type>`, once per run and type. */
export const recordSnapshotRun = async (
  { store }: SnapshotActivityDeps,
  input: RecordSnapshotRunInput,
): Promise<{ streamId: string; streamVersion: number }> => {
  const streamId = snapshotStreamOf(input.aggregateType);
  const result = await store.append(streamId, [
    {
      eventId: namedEventId(`${SNAPSHOTS_TAKEN}:${input.workflowId}:${input.aggregateType}`),
      type: SNAPSHOTS_TAKEN,
      data: { ...input },
      metadata: { correlation_id: input.workflowId, actor: 'hindsight-worker' },
    },
  ]);
  return { streamId, streamVersion: result.streamVersion };
};
