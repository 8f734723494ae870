// `SnapshotsTaken` on `hindsight.snapshots-<aggregate type>`: what one snapshot run did to the
// streams of one aggregate type.
export const SNAPSHOTS_TAKEN = 'SnapshotsTaken';
export const snapshotStreamOf = (aggregateType: string): string =>
  `hindsight.snapshots-${aggregateType}`;

/** The data of a `SnapshotsTaken` event, written once per run and aggregate type. */
export interface SnapshotsTaken {
  workflowId: string;
  aggregateType: string;
  scanned: number;
  written: number;
  pruned: number;
  eventsReplayed: number;
  unreadable: number;
}
