// The decision told on the challenger's MLflow version too, so that whoever browses the registry
// sees whether the version was promoted and how sure its gain was, without reading the log.
import type { MlflowClient } from '../../mlflow/index.js';
import { formatConfidence, formatMetric } from '../../ml/promotion/promotionChecks.js';
import type { TagPromotionInput } from './types.js';

export const PROMOTION_TAGS = {
  outcome: 'hindsight.promotion.outcome',
  decidedBy: 'hindsight.promotion.decided_by',
  workflowId: 'hindsight.promotion.workflow_id',
  metric: 'hindsight.promotion.metric',
  gain: 'hindsight.promotion.gain',
  /** "lower..upper @95%". */
  interval: 'hindsight.promotion.interval',
} as const;

/** The tags of a decision; the interval's only when one was computed. */
export const promotionTags = ({
  workflowId,
  outcome,
  decidedBy,
  interval,
}: TagPromotionInput): Record<string, string> => ({
  [PROMOTION_TAGS.outcome]: outcome,
  [PROMOTION_TAGS.decidedBy]: decidedBy,
  [PROMOTION_TAGS.workflowId]: workflowId,
  ...(interval && {
    [PROMOTION_TAGS.metric]: interval.metric,
    [PROMOTION_TAGS.gain]: formatMetric(interval.gain),
    [PROMOTION_TAGS.interval]: `${formatMetric(interval.lower)}..${formatMetric(interval.upper)} @${formatConfidence(interval.confidence)}`,
  }),
});

/** Sets each tag (MLflow has no batch call for model version tags); a retry sets them again. */
export const tagPromotion = async (
  mlflow: Pick<MlflowClient, 'setModelVersionTag'>,
  input: TagPromotionInput,
): Promise<Record<string, string>> => {
  const tags = promotionTags(input);
  for (const [key, value] of Object.entries(tags)) {
    await mlflow.setModelVersionTag({ name: input.modelName, version: input.version, key, value });
  }
  return tags;
};
