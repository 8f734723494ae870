// Registered model aliases (e.g. `champion`): a movable name for one version of a model.
import { isMlflowError } from './errors.js';
import type { MlflowHttp } from './http.js';
import { getRegisteredModel } from './registry.js';
import type { ModelVersion } from './types.js';
import { toModelVersion, type WireModelVersion } from './wire.js';

type AliasRef = { name: string; alias: string };

/** Points the alias at `version`, moving it if it pointed elsewhere. */
export const setModelAlias = async (
  http: MlflowHttp,
  { name, alias, version }: AliasRef & { version: string },
): Promise<void> => {
  await http.call('POST', 'registered-models/alias', { name, alias, version });
};

/** Removes the alias; removing one that does not exist succeeds too. */
export const deleteModelAlias = async (
  http: MlflowHttp,
  { name, alias }: AliasRef,
): Promise<void> => {
  await http.call('DELETE', 'registered-models/alias', { name, alias });
};

/**
 * The version the alias points at. RESOURCE_DOES_NOT_EXIST when the model or the alias does not
 * exist: MLflow 3 answers INVALID_PARAMETER_VALUE for a missing alias, the same code as for a
 * malformed one, so on that code the model's alias list decides (a malformed alias, which can
 * never exist, then counts as missing too; MLflow's message is kept).
 */
export const getModelVersionByAlias = async (
  http: MlflowHttp,
  { name, alias }: AliasRef,
): Promise<ModelVersion> => {
  try {
    const { model_version } = await http.call<{ model_version: WireModelVersion }>(
      'GET',
      'registered-models/alias',
      { name, alias },
    );
    return toModelVersion(model_version);
  } catch (error) {
    if (!isMlflowError(error, 'INVALID_PARAMETER_VALUE')) throw error;
    const model = await getRegisteredModel(http, name);
    if (Object.hasOwn(model.aliases, alias)) throw error;
    throw error.withCode('RESOURCE_DOES_NOT_EXIST');
  }
};
