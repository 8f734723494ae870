// MLflow's JSON as it arrives (snake_case, protobuf JSON: empty fields omitted, int64 as numbers,
// non-finite doubles as strings) and its mapping to the client's types. Only the fields we read.
import type {
  DatasetInput,
  Experiment,
  FileInfo,
  LifecycleStage,
  Metric,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
  Tags,
} from './types.js';

export interface WireTag {
  key: string;
  value?: string;
}

export interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  creation_time?: number;
  last_update_time?: number;
  tags?: WireTag[];
}

export interface WireRunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status?: string;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

export interface WireMetric {
  key: string;
  value?: number | string;
  timestamp?: number;
  step?: number;
}

export interface WireDatasetInput {
  tags?: WireTag[];
  dataset: {
    name: string;
    digest: string;
    source_type: string;
    source: string;
    schema?: string;
    profile?: string;
  };
}

export interface WireRun {
  info: WireRunInfo;
  data?: { metrics?: WireMetric[]; params?: WireTag[]; tags?: WireTag[] };
  inputs?: { dataset_inputs?: WireDatasetInput[] };
}

export interface WireFileInfo {
  path: string;
  is_dir?: boolean;
  file_size?: number;
}

export interface WireModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  source?: string;
  run_id?: string;
  run_link?: string;
  status?: string;
  tags?: WireTag[];
  aliases?: string[];
}

export interface WireRegisteredModel {
  name: string;
  description?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  tags?: WireTag[];
  aliases?: { alias: string; version: string }[];
}

export const toWireTags = (tags: Tags = {}): WireTag[] =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));

export const fromWireTags = (tags: WireTag[] = []): Tags =>
  Object.fromEntries(tags.map(({ key, value }) => [key, value ?? '']));

// Protobuf's JSON spells non-finite doubles as strings; Number() reads them back.
export const toWireNumber = (value: number): number | string =>
  Number.isFinite(value) ? value : String(value);

export const fromWireNumber = (value: number | string | undefined): number => Number(value ?? 0);

export const toExperiment = (e: WireExperiment): Experiment => ({
  experimentId: e.experiment_id,
  name: e.name,
  artifactLocation: e.artifact_location ?? '',
  lifecycleStage: (e.lifecycle_stage ?? 'active') as LifecycleStage,
  creationTime: e.creation_time ?? null,
  lastUpdateTime: e.last_update_time ?? null,
  tags: fromWireTags(e.tags),
});

export const toRunInfo = (info: WireRunInfo): RunInfo => ({
  runId: info.run_id,
  runName: info.run_name ?? '',
  experimentId: info.experiment_id,
  userId: info.user_id ?? '',
  status: (info.status ?? 'RUNNING') as RunStatus,
  startTime: info.start_time ?? null,
  endTime: info.end_time ?? null,
  artifactUri: info.artifact_uri ?? '',
  lifecycleStage: (info.lifecycle_stage ?? 'active') as LifecycleStage,
});

export const toMetric = (m: WireMetric): Metric => ({
  key: m.key,
  value: fromWireNumber(m.value),
  timestamp: m.timestamp ?? 0,
  step: m.step ?? 0,
});

const toDatasetInput = ({ dataset, tags }: WireDatasetInput): DatasetInput => ({
  dataset: {
    name: dataset.name,
    digest: dataset.digest,
    sourceType: dataset.source_type,
    source: dataset.source,
    ...(dataset.schema === undefined ? {} : { schema: dataset.schema }),
    ...(dataset.profile === undefined ? {} : { profile: dataset.profile }),
  },
  tags: fromWireTags(tags),
});

export const toRun = (run: WireRun): Run => ({
  info: toRunInfo(run.info),
  metrics: (run.data?.metrics ?? []).map(toMetric),
  params: fromWireTags(run.data?.params),
  tags: fromWireTags(run.data?.tags),
  datasetInputs: (run.inputs?.dataset_inputs ?? []).map(toDatasetInput),
});

export const toFileInfo = (f: WireFileInfo): FileInfo => ({
  path: f.path,
  isDir: f.is_dir ?? false,
  fileSize: f.file_size ?? (f.is_dir ? null : 0),
});

export const toModelVersion = (v: WireModelVersion): ModelVersion => ({
  name: v.name,
  version: v.version,
  creationTimestamp: v.creation_timestamp ?? null,
  lastUpdatedTimestamp: v.last_updated_timestamp ?? null,
  description: v.description ?? '',
  source: v.source ?? '',
  runId: v.run_id || null,
  runLink: v.run_link ?? '',
  status: (v.status ?? 'READY') as ModelVersionStatus,
  tags: fromWireTags(v.tags),
  aliases: v.aliases ?? [],
});

export const toRegisteredModel = (m: WireRegisteredModel): RegisteredModel => ({
  name: m.name,
  description: m.description ?? '',
  creationTimestamp: m.creation_timestamp ?? null,
  lastUpdatedTimestamp: m.last_updated_timestamp ?? null,
  tags: fromWireTags(m.tags),
  aliases: Object.fromEntries((m.aliases ?? []).map(({ alias, version }) => [alias, version])),
});
