export * from './errors.js';
export * from './types.js';
export { createMlflowClient, type MlflowClient, type MlflowClientOptions } from './client.js';
export { createMlflowHttp, type Fetch, type MlflowHttp } from './http.js';
export type { RetryPolicy } from './retry.js';
export { LIMITS } from './limits.js';
export {
  splitLogBatch,
  type LogBatchInput,
  type MetricInput,
  type ParamValue,
} from './logBatch.js';
export type { DatasetInputInput } from './logInputs.js';
export { artifactProxyPath } from './artifactPath.js';
export type { ArtifactContent, ArtifactRef } from './artifacts.js';
export type { CreateExperimentInput } from './experiments.js';
export type { CreateRunInput, UpdateRunInput } from './runs.js';
export type { SearchRunsInput } from './searchRuns.js';
export {
  IDEMPOTENCY_KEY_TAG,
  IDEMPOTENCY_ATTEMPT_TAG,
  DUPLICATE_OF_TAG,
  type CreateRunIdempotentInput,
} from './idempotentRun.js';
export type {
  CreateModelVersionInput,
  CreateRegisteredModelInput,
  SearchModelVersionsInput,
} from './registry.js';
