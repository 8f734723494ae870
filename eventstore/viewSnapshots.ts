// Feature-view state at a cut, kept with the dataset it ended: a later dataset of the same view
// code (and the same upcasters) starts from the latest one at or below its cut, reading only the
// events after it, and takes the earlier dataset's labelled rows as they are.
import type { Sql } from './sql.js';
import type { Position } from './types.js';

export interface ViewSnapshotKey {
  view: string;
  codeHash: string;
  upcastersHash: string;
}

export interface ViewSnapshotInfo {
  viewVersion: number;
  /** The cut of the dataset it ended. */
  cutTransactionId: number;
  /** The last event the view read. */
  position: Position;
  /** Events the view read from the start of the log up to the cut. */
  events: number;
  labelledRows: number;
  datasetDigest: string;
  datasetRunId: string;
  createdAt: number;
}

export interface ViewSnapshotRecord extends Omit<ViewSnapshotInfo, 'createdAt'> {
  /** The feature run's snapshot (JSON), gzipped. */
  state: Buffer;
}

/** Stores the state; a second save for the same key and cut keeps the first (same content). */
export const saveViewSnapshot = async (
  sql: Sql,
  key: ViewSnapshotKey,
  record: ViewSnapshotRecord,
): Promise<boolean> => {
  const { rowCount } = await sql.query(
    /* sql */ `insert into hindsight.view_snapshots
      (view_name, view_version, code_hash, upcasters_hash, cut_tx, last_tx, last_position, events,
       labelled_rows, dataset_digest, dataset_run_id, state)
      values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
      on conflict do nothing`,
    [
      key.view,
      record.viewVersion,
      key.codeHash,
      key.upcastersHash,
      record.cutTransactionId,
      record.position.transactionId,
      record.position.globalPosition,
      record.events,
      record.labelledRows,
      record.datasetDigest,
      record.datasetRunId,
      record.state,
    ],
  );
  return (rowCount ?? 0) > 0;
};

/** The latest state of this exact code at or below the cut, without its (large) state. */
export const latestViewSnapshot = async (
  sql: Sql,
  key: ViewSnapshotKey,
  atOrBelow: number,
): Promise<ViewSnapshotInfo | null> => {
  const { rows } = await sql.query<Record<string, string>>(
    /* sql */ `select view_version, cut_tx, last_tx, last_position, events, labelled_rows,
            dataset_digest, dataset_run_id, (extract(epoch from created_at) * 1000)::int8 as created_at
       from hindsight.view_snapshots
      where view_name = $1 and code_hash = $2 and upcasters_hash = $3 and cut_tx <= $4
      order by cut_tx desc limit 1`,
    [key.view, key.codeHash, key.upcastersHash, atOrBelow],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    viewVersion: Number(row.view_version),
    cutTransactionId: Number(row.cut_tx),
    position: { transactionId: Number(row.last_tx), globalPosition: Number(row.last_position) },
    events: Number(row.events),
    labelledRows: Number(row.labelled_rows),
    datasetDigest: row.dataset_digest as string,
    datasetRunId: row.dataset_run_id as string,
    createdAt: Number(row.created_at),
  };
};

export const loadViewSnapshotState = async (
  sql: Sql,
  key: ViewSnapshotKey,
  cutTransactionId: number,
): Promise<Buffer | null> => {
  const { rows } = await sql.query<{ state: Buffer }>(
    /* sql */ `select state from hindsight.view_snapshots
      where view_name = $1 and code_hash = $2 and upcasters_hash = $3 and cut_tx = $4`,
    [key.view, key.codeHash, key.upcastersHash, cutTransactionId],
  );
  return rows[0]?.state ?? null;
};
