// What the dataset workflow and its activities pass each other: JSON-safe plain objects.
import type { Position } from '../../eventstore/index.js';
import type { DatasetManifest } from '../../ml/datasetManifest.js';

/** A feature view as a dataset names it: the code hash pins the exact code. */
export interface DatasetViewRef {
  name: string;
  version: number;
  codeHash: string;
}

export interface DatasetCut {
  /** Every event whose transaction id is below it, and no other. */
  transactionId: number;
  /** When the cut was taken, ms since the epoch; null for a cut given by the caller. */
  takenAt: number | null;
}

export interface ResolveDatasetInput {
  view: string;
  /** A cut given by the caller, or null to take a new one. */
  cut: number | null;
  /** Start from the view's state stored at an earlier cut when there is one (default true). */
  incremental?: boolean;
}

/**
 * An earlier dataset of the same view code (and upcasters) at or below the cut: the new one
 * starts from the view's state at its cut and takes its labelled rows as they are.
 */
export interface DatasetBase {
  cutTransactionId: number;
  /** The last event the view read for it; reading resumes after it. */
  position: Position;
  /** Events the view read for it. */
  events: number;
  labelledRows: number;
  digest: string;
  runId: string;
  upcastersHash: string;
}

export interface ResolvedDataset {
  view: DatasetViewRef;
  cut: DatasetCut;
  /** Events of the types the view reads still to read (after the base, if any) below the cut. */
  events: number;
  base: DatasetBase | null;
  /** The resolving worker's upcasters: what the view reads, so what its state means. */
  upcastersHash: string;
}

/** The pipeline a dataset is made for: its workflow and its MLflow run. */
export interface PipelineParent {
  workflowId: string;
  runId: string;
}

export interface OpenDatasetRunInput {
  workflowId: string;
  view: DatasetViewRef;
  cut: DatasetCut;
  /** The run nests under the pipeline's run and carries its workflow id. */
  pipeline?: PipelineParent | null;
}

export interface DatasetRunRef {
  runId: string;
  experimentId: string;
}

export interface DatasetBatchInput {
  runId: string;
  view: DatasetViewRef;
  cut: DatasetCut;
  /** 1 for the first batch; batch n resumes from the view state batch n − 1 stored. */
  batch: number;
  /** Reading starts after this position of the log. */
  after: Position;
  /** A batch ends at the first page boundary at or past this many events. */
  maxEvents: number;
  /** Events per read from PostgreSQL. */
  pageSize: number;
  /** Batch 1 resumes from this base's stored view state instead of the start. */
  base?: DatasetBase | null;
}

export interface DatasetBatchResult {
  batch: number;
  /** Where the next batch starts reading. */
  checkpoint: Position;
  events: number;
  rows: number;
  /** Events the view quarantined in this batch (see ml/quarantine.ts). */
  quarantined?: number;
  /** The log below the cut is read to its end: this was the last batch. */
  done: boolean;
  /** The run's clock after the batch: the newest business time the view read. */
  clock?: number | null;
  /** The batch's rows, relative to the run's artifact root. */
  rowsArtifact: string;
}

export interface PublishDatasetInput {
  runId: string;
  workflowId: string;
  view: DatasetViewRef;
  cut: DatasetCut;
  rowsArtifacts: string[];
  /** Events read by the batches (after the base, if any). */
  events: number;
  base?: DatasetBase | null;
  /** The upcasters the view read through (see ResolvedDataset); without it no state is kept. */
  upcastersHash?: string;
  validationFraction: number;
  /** Default 0: no test window. */
  testFraction: number;
  purge: boolean;
  /** The log's clock at the cut as the last batch's run had it (see `FeatureRun.clock`). */
  clock: number | null;
}

export interface PublishedDataset {
  runId: string;
  experimentId: string;
  manifest: DatasetManifest;
}

export interface RecordDatasetInput {
  workflowId: string;
  published: PublishedDataset;
}

export interface RecordedDataset {
  streamId: string;
  streamVersion: number;
  globalPosition: number;
}

export interface AbandonDatasetRunInput {
  runId: string;
  reason: string;
}
