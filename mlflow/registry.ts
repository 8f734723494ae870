// The model registry: registered models and their versions.
import { isMlflowError } from './errors.js';
import type { MlflowHttp } from './http.js';
import type { ModelVersion, Page, RegisteredModel, Tags } from './types.js';
import {
  toModelVersion,
  toRegisteredModel,
  toWireTags,
  type WireModelVersion,
  type WireRegisteredModel,
} from './wire.js';

export interface CreateRegisteredModelInput {
  name: string;
  description?: string;
  tags?: Tags;
}

export interface CreateModelVersionInput {
  name: string;
  /** Where the model's files are, e.g. the run's `artifact_uri` + `/model`. */
  source: string;
  /** Required by MLflow when `source` is a run's artifact location. */
  runId?: string;
  tags?: Tags;
  description?: string;
  runLink?: string;
}

export interface SearchModelVersionsInput {
  /** E.g. `name = 'churn' and run_id = '…'` or `tags.stage = 'candidate'`. */
  filter?: string;
  maxResults?: number;
  orderBy?: readonly string[];
  pageToken?: string;
}

type ModelVersionRef = { name: string; version: string };

/** RESOURCE_ALREADY_EXISTS when the name is taken. */
export const createRegisteredModel = async (
  http: MlflowHttp,
  { name, description, tags }: CreateRegisteredModelInput,
): Promise<RegisteredModel> => {
  const { registered_model } = await http.call<{ registered_model: WireRegisteredModel }>(
    'POST',
    'registered-models/create',
    { name, description, tags: toWireTags(tags) },
  );
  return toRegisteredModel(registered_model);
};

/** RESOURCE_DOES_NOT_EXIST when there is none. */
export const getRegisteredModel = async (
  http: MlflowHttp,
  name: string,
): Promise<RegisteredModel> => {
  const { registered_model } = await http.call<{ registered_model: WireRegisteredModel }>(
    'GET',
    'registered-models/get',
    { name },
  );
  return toRegisteredModel(registered_model);
};

/** The registered model, created if missing; a creator that loses a race reads the winner's. */
export const getOrCreateRegisteredModel = async (
  http: MlflowHttp,
  input: CreateRegisteredModelInput,
): Promise<RegisteredModel> => {
  try {
    return await getRegisteredModel(http, input.name);
  } catch (error) {
    if (!isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) throw error;
  }
  try {
    return await createRegisteredModel(http, input);
  } catch (error) {
    if (!isMlflowError(error, 'RESOURCE_ALREADY_EXISTS')) throw error;
    return getRegisteredModel(http, input.name);
  }
};

export const setRegisteredModelTag = async (
  http: MlflowHttp,
  { name, key, value }: { name: string; key: string; value: string },
): Promise<void> => {
  await http.call('POST', 'registered-models/set-tag', { name, key, value });
};

/**
 * Registers a new version (MLflow numbers them 1, 2, …). Not idempotent: a retried request
 * whose first answer was lost registers one more version.
 */
export const createModelVersion = async (
  http: MlflowHttp,
  { name, source, runId, tags, description, runLink }: CreateModelVersionInput,
): Promise<ModelVersion> => {
  const { model_version } = await http.call<{ model_version: WireModelVersion }>(
    'POST',
    'model-versions/create',
    { name, source, run_id: runId, tags: toWireTags(tags), description, run_link: runLink },
  );
  return toModelVersion(model_version);
};

export const getModelVersion = async (
  http: MlflowHttp,
  { name, version }: ModelVersionRef,
): Promise<ModelVersion> => {
  const { model_version } = await http.call<{ model_version: WireModelVersion }>(
    'GET',
    'model-versions/get',
    { name, version },
  );
  return toModelVersion(model_version);
};

/** One page of registered models (with their aliases), e.g. all of them, by name. */
export const searchRegisteredModels = async (
  http: MlflowHttp,
  { filter, maxResults, orderBy, pageToken }: SearchModelVersionsInput,
): Promise<Page<RegisteredModel>> => {
  const { registered_models, next_page_token } = await http.call<{
    registered_models?: WireRegisteredModel[];
    next_page_token?: string;
  }>('GET', 'registered-models/search', {
    filter,
    max_results: maxResults,
    order_by: orderBy,
    page_token: pageToken,
  });
  return {
    items: (registered_models ?? []).map(toRegisteredModel),
    nextPageToken: next_page_token || null,
  };
};

/** One page of versions. MLflow leaves `aliases` out of search results; `getModelVersion` has them. */
export const searchModelVersions = async (
  http: MlflowHttp,
  { filter, maxResults, orderBy, pageToken }: SearchModelVersionsInput,
): Promise<Page<ModelVersion>> => {
  const { model_versions, next_page_token } = await http.call<{
    model_versions?: WireModelVersion[];
    next_page_token?: string;
  }>('GET', 'model-versions/search', {
    filter,
    max_results: maxResults,
    order_by: orderBy,
    page_token: pageToken,
  });
  return {
    items: (model_versions ?? []).map(toModelVersion),
    nextPageToken: next_page_token || null,
  };
};

export const setModelVersionTag = async (
  http: MlflowHttp,
  { name, version, key, value }: ModelVersionRef & { key: string; value: string },
): Promise<void> => {
  await http.call('POST', 'model-versions/set-tag', { name, version, key, value });
};
