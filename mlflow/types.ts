// The client's vocabulary: MLflow's entities in camelCase, JSON-safe (strings, numbers, plain
// objects), timestamps in ms since the epoch. Tags and params are plain records.

export type Tags = Record<string, string>;

export type LifecycleStage = 'active' | 'deleted';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: Tags;
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  /** Where the run's artifacts live, e.g. `mlflow-artifacts:/1/<run id>/artifacts`. */
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface Metric {
  key: string;
  /** NaN and ±Infinity travel as MLflow's strings "NaN"/"Infinity" and come back as numbers. */
  value: number;
  timestamp: number;
  step: number;
}

/** A dataset as MLflow records it; `source`, `schema` and `profile` are JSON text by convention. */
export interface Dataset {
  name: string;
  /** At most 36 characters in MLflow. */
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  dataset: Dataset;
  /** E.g. `{ 'mlflow.data.context': 'training' }`. */
  tags: Tags;
}

export interface Run {
  info: RunInfo;
  /** The latest value of each metric; the full series comes from `getMetricHistory`. */
  metrics: Metric[];
  params: Tags;
  tags: Tags;
  datasetInputs: DatasetInput[];
}

export interface FileInfo {
  /** Relative to the run's artifact root, e.g. `model/model.json`. */
  path: string;
  isDir: boolean;
  fileSize: number | null;
}

export interface RegisteredModel {
  name: string;
  description: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  tags: Tags;
  /** Alias → version, e.g. `{ champion: '3' }`. */
  aliases: Record<string, string>;
}

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelVersion {
  name: string;
  /** MLflow's version number as a decimal string, e.g. `'3'`, as its REST API spells it. */
  version: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  description: string;
  source: string;
  runId: string | null;
  runLink: string;
  status: ModelVersionStatus;
  tags: Tags;
  aliases: string[];
}

/** One page of a search; pass `nextPageToken` back to read the next one (null: no more). */
export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
