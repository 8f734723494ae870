// Checks a pipeline's request before anything runs: the view, each trainer and its
// hyperparameters, the promotion rules. A bad request fails at once, naming what is wrong.
import { ApplicationFailure } from '@temporalio/activity';
import { FeatureViewError } from '../../ml/errors.js';
import { parsePromotionRules } from '../../ml/promotion/parsePromotionRules.js';
import { getTrainer } from '../../ml/trainers/registry.js';
import type { MlflowClient } from '../../mlflow/index.js';
import type { FeatureViewRegistry } from '../datasets/featureViewRegistry.js';
import { MODEL_TAGS } from './modelLineage.js';
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
  trainers.forEach((spec, i) => {
    try {
      const trainer = getTrainer(spec.name);
      trainer.parseParams(spec.params ?? {});
    } catch (error) {
      if (error instanceof FeatureViewError) throw invalid(`trainers[${i}]`, error);
      throw error;
    }
    const seed = spec.seed ?? 1;
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
