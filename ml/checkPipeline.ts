// Checks a pipeline's request before anything runs: the view, each trainer and its
// hyperparameters, the promotion rules. A bad request fails at once, naming what is wrong: in
// the server before a pipeline starts, and in the pipeline's first activity.
import { HindsightError, isInvalidArgument } from '../platform/errors.js';
import type { FeatureViewRegistry } from './featureViewRegistry.js';
import { parsePromotionRules } from './promotion/parsePromotionRules.js';
import { getTrainer } from './trainers/registry.js';
import { trainerConfigHash } from './trainers/trainerConfigHash.js';

/** What a pipeline is asked to do (`CheckPipelineInput` of the training activities). */
export interface PipelineRequest {
  view: string;
  trainers: readonly { name: string; params?: unknown; seed?: number }[];
  rules: unknown;
}

const invalid = (field: string, error: unknown): HindsightError =>
  new HindsightError(
    'INVALID_ARGUMENT',
    `${field}: ${error instanceof Error ? error.message : String(error)}`,
    { field },
  );

export const checkPipeline = (
  views: FeatureViewRegistry,
  { view, trainers, rules }: PipelineRequest,
): Promise<void> => {
  views.get(view);
  const configs = new Map<string, number>();
  trainers.forEach((spec, i) => {
    let params: unknown;
    try {
      const trainer = getTrainer(spec.name);
      params = trainer.parseParams(spec.params ?? {});
    } catch (error) {
      if (isInvalidArgument(error)) throw invalid(`trainers[${i}]`, error);
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
    if (isInvalidArgument(error)) throw invalid('rules', error);
    throw error;
  }
  return Promise.resolve();
};
