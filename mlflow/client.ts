// The MLflow client as one object, composed from the one-concern modules around it.
import { deleteModelAlias, getModelVersionByAlias, setModelAlias } from './aliases.js';
import {
  ARTIFACT_TIMEOUT_MS,
  deleteArtifact,
  downloadArtifact,
  downloadArtifactToFile,
  listArtifacts,
  uploadArtifact,
  type ArtifactContent,
  type ArtifactRef,
} from './artifacts.js';
import {
  createExperiment,
  getExperimentByName,
  getOrCreateExperiment,
  type CreateExperimentInput,
} from './experiments.js';
import { createMlflowHttp, type Fetch } from './http.js';
import { createRunIdempotent, type CreateRunIdempotentInput } from './idempotentRun.js';
import { logBatch, type LogBatchInput } from './logBatch.js';
import { logInputs, type DatasetInputInput } from './logInputs.js';
import {
  createModelVersion,
  createRegisteredModel,
  getModelVersion,
  getOrCreateRegisteredModel,
  getRegisteredModel,
  searchModelVersions,
  searchRegisteredModels,
  setModelVersionTag,
  setRegisteredModelTag,
  type CreateModelVersionInput,
  type CreateRegisteredModelInput,
  type SearchModelVersionsInput,
} from './registry.js';
import type { RetryPolicy } from './retry.js';
import {
  createRun,
  deleteRun,
  getMetricHistory,
  getRun,
  setTag,
  updateRun,
  type CreateRunInput,
  type UpdateRunInput,
} from './runs.js';
import { searchAllRuns, searchRuns, type SearchRunsInput } from './searchRuns.js';
import type {
  Experiment,
  FileInfo,
  Metric,
  ModelVersion,
  Page,
  RegisteredModel,
  Run,
  RunInfo,
} from './types.js';

export interface MlflowClient {
  readonly trackingUri: string;

  getExperimentByName(name: string): Promise<Experiment>;
  createExperiment(input: CreateExperimentInput): Promise<string>;
  getOrCreateExperiment(input: CreateExperimentInput): Promise<Experiment>;

  createRun(input: CreateRunInput): Promise<Run>;
  createRunIdempotent(input: CreateRunIdempotentInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(input: UpdateRunInput): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;
  searchAllRuns(input: Omit<SearchRunsInput, 'pageToken'>): Promise<Run[]>;
  logBatch(input: LogBatchInput): Promise<void>;
  logInputs(input: { runId: string; datasets: readonly DatasetInputInput[] }): Promise<void>;
  setTag(input: { runId: string; key: string; value: string }): Promise<void>;
  getMetricHistory(input: { runId: string; key: string }): Promise<Metric[]>;

  uploadArtifact(
    input: ArtifactRef & { content: ArtifactContent; contentType?: string },
  ): Promise<void>;
  downloadArtifact(input: ArtifactRef): Promise<Buffer>;
  downloadArtifactToFile(input: ArtifactRef & { filePath: string }): Promise<{ bytes: number }>;
  listArtifacts(input: { runId: string; path?: string }): Promise<FileInfo[]>;
  deleteArtifact(input: ArtifactRef): Promise<void>;

  createRegisteredModel(input: CreateRegisteredModelInput): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  searchRegisteredModels(input: SearchModelVersionsInput): Promise<Page<RegisteredModel>>;
  getOrCreateRegisteredModel(input: CreateRegisteredModelInput): Promise<RegisteredModel>;
  setRegisteredModelTag(input: { name: string; key: string; value: string }): Promise<void>;
  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion>;
  getModelVersion(input: { name: string; version: string }): Promise<ModelVersion>;
  searchModelVersions(input: SearchModelVersionsInput): Promise<Page<ModelVersion>>;
  setModelVersionTag(input: {
    name: string;
    version: string;
    key: string;
    value: string;
  }): Promise<void>;

  setModelAlias(input: { name: string; alias: string; version: string }): Promise<void>;
  deleteModelAlias(input: { name: string; alias: string }): Promise<void>;
  getModelVersionByAlias(input: { name: string; alias: string }): Promise<ModelVersion>;
}

export interface MlflowClientOptions {
  /** E.g. `http://127.0.0.1:5000`; the server must proxy artifacts (`--serve-artifacts`). */
  trackingUri: string;
  fetch?: Fetch;
  /** Transient failures (network, timeouts, 429, 5xx) are retried; defaults: 4 attempts, 200 ms. */
  retry?: Partial<RetryPolicy>;
  /** The deadline of one attempt of a JSON call; default 30 s. */
  timeoutMs?: number;
  /** The deadline of one attempt of an artifact transfer; default 10 min. */
  artifactTimeoutMs?: number;
  /** Sent with every request, e.g. `{ authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
  /** The least wait in `createRunIdempotent` for concurrent creators; default 200 ms. */
  idempotencySettleMs?: number;
}

export const createMlflowClient = ({
  trackingUri,
  fetch,
  retry,
  timeoutMs,
  artifactTimeoutMs = ARTIFACT_TIMEOUT_MS,
  headers,
  idempotencySettleMs,
}: MlflowClientOptions): MlflowClient => {
  const http = createMlflowHttp({ trackingUri, fetch, retry, timeoutMs, headers });
  const transfer = <T extends { timeoutMs?: number }>(input: T): T => ({
    ...input,
    timeoutMs: input.timeoutMs ?? artifactTimeoutMs,
  });
  return {
    trackingUri,
    getExperimentByName: (name) => getExperimentByName(http, name),
    createExperiment: (input) => createExperiment(http, input),
    getOrCreateExperiment: (input) => getOrCreateExperiment(http, input),

    createRun: (input) => createRun(http, input),
    createRunIdempotent: (input) =>
      createRunIdempotent(http, input, { settleMs: idempotencySettleMs }),
    getRun: (runId) => getRun(http, runId),
    updateRun: (input) => updateRun(http, input),
    deleteRun: (runId) => deleteRun(http, runId),
    searchRuns: (input) => searchRuns(http, input),
    searchAllRuns: (input) => searchAllRuns(http, input),
    logBatch: (input) => logBatch(http, input),
    logInputs: (input) => logInputs(http, input),
    setTag: (input) => setTag(http, input),
    getMetricHistory: (input) => getMetricHistory(http, input),

    uploadArtifact: (input) => uploadArtifact(http, transfer(input)),
    downloadArtifact: (input) => downloadArtifact(http, transfer(input)),
    downloadArtifactToFile: (input) => downloadArtifactToFile(http, transfer(input)),
    listArtifacts: (input) => listArtifacts(http, input),
    deleteArtifact: (input) => deleteArtifact(http, transfer(input)),

    createRegisteredModel: (input) => createRegisteredModel(http, input),
    getRegisteredModel: (name) => getRegisteredModel(http, name),
    searchRegisteredModels: (input) => searchRegisteredModels(http, input),
    getOrCreateRegisteredModel: (input) => getOrCreateRegisteredModel(http, input),
    setRegisteredModelTag: (input) => setRegisteredModelTag(http, input),
    createModelVersion: (input) => createModelVersion(http, input),
    getModelVersion: (input) => getModelVersion(http, input),
    searchModelVersions: (input) => searchModelVersions(http, input),
    setModelVersionTag: (input) => setModelVersionTag(http, input),

    setModelAlias: (input) => setModelAlias(http, input),
    deleteModelAlias: (input) => deleteModelAlias(http, input),
    getModelVersionByAlias: (input) => getModelVersionByAlias(http, input),
  };
};
