// Checks a pipeline's request before anything runs: the view, each trainer and its
// hyperparameters, the promotion rules. A bad request fails at once, naming what is wrong.
import { ApplicationFailure } from '@temporalio/activity';
import { FeatureViewError } from '../../ml/errors.js';
import { parsePromotionRules } from '../../ml/promotion/parsePromotionRules.js';
import { getTrainer } from '../../ml/trainers/registry.js';
import type { MlflowClient } from '../../mlflow/index.js';
import type { FeatureViewRegistry } from '../datasets/featureViewRegistry.js';
import { MODEL_TAGS } from '../../platform/modelRegistry.js';
import { trainerConfigHash } from './trainModel.js';
import type { CheckPipelineInput } from './types.js';

const invalid = (field: string, error: unknown): ApplicationFailure =>
  ApplicationFailure.nonRetryable(
    `${field}: ${error instanceof Error ? error.message : String(error)}`,
    'INVALID_ARGUMENT',
  );

export const checkPipeline = (
  views: FeatureViewRegistry,
  { view, trainers, rules }: CheckPipelineInput,
): Promise<void> => {
  views.get(view);
  const configs = new Map<string, number>();
  trainers.forEach((spec, i) => {
    let params: unknown;
    try {
      const trainer = getTrainer(spec.name);
      params = trainer.parseParams(spec.params ?? {});
    } catch (error) {
      if (error instanceof FeatureViewError) throw invalid(`trainers[${i}]`, error);
      throw error;
    }
    const seed = spec.seed ?? 1;
    // The same trainer, params and seed twice would train the same model twice.
    const config = trainerConfigHash(spec.name, params, seed);
    const twin = configs.get(config);
    if (twin !== undefined) {
      throw invalid(
        `trainers[${i}]`,
        new Error(`is trainers[${twin}] again (same trainer, params and seed): give it once`),
      );
    }
    configs.set(config, i);
    if (!Number.isSafeInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw invalid(
        `trainers[${i}].seed`,
        new Error(`must be an integer in [0, 2^32), not ${seed}`),
      );
    }
  });
  try {
    parsePromotionRules(rules ?? {});
  } catch (error) {
    if (error instanceof FeatureViewError) throw invalid('rules', error);
    throw error;
  }
  return Promise.resolve();
};

/** The digest of the dataset the newest version of the model was trained on; null if none. */
export const lastTrainedDigest = async (
  mlflow: MlflowClient,
  modelName: string,
): Promise<string | null> => {
  const { items } = await mlflow.searchModelVersions({
    filter: `name = '${modelName}'`,
    orderBy: ['version_number DESC'],
    maxResults: 1,
  });
  return items[0]?.tags[MODEL_TAGS.datasetDigest] ?? null;
};
