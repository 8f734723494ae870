// The champion of each registered model, loaded once per version and kept in memory. Where the
// alias points is looked up again after `aliasTtlMs`, or at once after `invalidate` (the server
// calls it when a ModelPromoted event shows in the log); concurrent callers share one lookup.
// While MLflow cannot be reached, the champion last seen (and loaded) goes on serving.
import { loadModel } from '../ml/trainers/registry.js';
import type { ModelScorer } from '../ml/trainers/types.js';
import { isMlflowError, type MlflowClient } from '../mlflow/index.js';
import { MODEL_TAGS, currentChampion, readModelArtifact } from '../platform/modelRegistry.js';
import { ServingError } from './servingError.js';

export interface ChampionModel {
  modelName: string;
  version: string;
  scorer: ModelScorer;
  /** The feature view, and the code hash of it, that made the training data. */
  view: string;
  viewCodeHash: string;
  datasetDigest: string;
}

export interface ChampionModels {
  /** The current champion; `ServingError` NO_CHAMPION or UNKNOWN_MODEL when there is none. */
  champion(modelName: string): Promise<ChampionModel>;
  /** Forgets where the alias of `modelName` points; the next call looks it up. */
  invalidate(modelName: string): void;
}

export interface ChampionModelsOptions {
  mlflow: MlflowClient;
  /** How long an alias lookup stands; default 2 s. */
  aliasTtlMs?: number;
  /** Versions kept loaded, least recently used dropped first; default 16. */
  maxLoaded?: number;
  now?: () => number;
}

interface AliasEntry {
  at: number;
  version: Promise<string>;
}

const tagOf = (tags: Readonly<Record<string, string>>, key: string, what: string): string => {
  const value = tags[key];
  if (value === undefined) {
    throw new ServingError('VIEW_MISMATCH', `it has no tag ${key}: ${what}`);
  }
  return value;
};

export const createChampionModels = ({
  mlflow,
  aliasTtlMs = 2_000,
  maxLoaded = 16,
  now = Date.now,
}: ChampionModelsOptions): ChampionModels => {
  const aliases = new Map<string, AliasEntry>();
  // The version each alias was last seen at. While MLflow cannot be reached the alias cannot
  // move (promotion moves it there), so predictions go on with it.
  const lastSeen = new Map<string, string>();
  const models = new Map<string, Promise<ChampionModel>>();

  const championVersion = async (modelName: string): Promise<string> => {
    const version = await currentChampion(mlflow, modelName);
    if (version !== null) return version;
    try {
      await mlflow.getRegisteredModel(modelName);
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) {
        throw new ServingError('MODEL_NOT_FOUND', `no registered model is named '${modelName}'`);
      }
      throw error;
    }
    throw new ServingError(
      'NO_CHAMPION',
      `model '${modelName}' has no champion yet: run a pipeline that promotes one`,
    );
  };

  const load = async (modelName: string, version: string): Promise<ChampionModel> => {
    const registered = await mlflow.getModelVersion({ name: modelName, version });
    const what = `model ${modelName} v${version} was not trained by Hindsight`;
    if (!registered.runId) throw new ServingError('VIEW_MISMATCH', `it has no run: ${what}`);
    const artifact = await readModelArtifact(mlflow, registered.runId);
    return {
      modelName,
      version,
      scorer: loadModel(artifact),
      view: tagOf(registered.tags, MODEL_TAGS.view, what),
      viewCodeHash: tagOf(registered.tags, MODEL_TAGS.viewCodeHash, what),
      datasetDigest: tagOf(registered.tags, MODEL_TAGS.datasetDigest, what),
    };
  };

  const modelOf = (modelName: string, version: string): Promise<ChampionModel> => {
    const key = `${modelName}\u0000${version}`;
    const cached = models.get(key);
    if (cached) {
      // Most recently used last.
      models.delete(key);
      models.set(key, cached);
      return cached;
    }
    const loading = load(modelName, version);
    models.set(key, loading);
    loading.catch(() => models.delete(key));
    while (models.size > maxLoaded) {
      const oldest = models.keys().next().value;
      if (oldest === undefined) break;
      models.delete(oldest);
    }
    return loading;
  };

  return {
    champion: async (modelName) => {
      let entry = aliases.get(modelName);
      if (!entry || now() - entry.at >= aliasTtlMs) {
        entry = { at: now(), version: championVersion(modelName) };
        aliases.set(modelName, entry);
        const current = entry;
        current.version.catch(() => {
          if (aliases.get(modelName) === current) aliases.delete(modelName);
        });
      }
      let version: string;
      try {
        version = await entry.version;
      } catch (error) {
        const last = lastSeen.get(modelName);
        if (last === undefined || !isMlflowError(error) || !error.retryable) throw error;
        version = last;
        // Until the next look-up is due, calls go on with it at once instead of each waiting
        // out MLflow's retries.
        if (!aliases.has(modelName)) {
          aliases.set(modelName, { at: now(), version: Promise.resolve(last) });
        }
      }
      lastSeen.set(modelName, version);
      return modelOf(modelName, version);
    },
    invalidate: (modelName) => {
      aliases.delete(modelName);
      lastSeen.delete(modelName);
    },
  };
};
