// `ModelPromoted` and `PromotionRejected` on `hindsight.models-<model>`: the alias history that
// MLflow does not keep (who, when, why, from which version to which).
import { z } from 'zod';
import type { ReadableAs } from './platformEvents.js';

export const MODEL_PROMOTED = 'ModelPromoted';
export const PROMOTION_REJECTED = 'PromotionRejected';
export const modelStreamOf = (modelName: string): string => `hindsight.models-${modelName}`;

export type PromotionOutcome = 'promoted' | 'rejected';
/** `rollback`: a person moved the champion back to an earlier version (RollbackWorkflow). */
export type DecidedBy = 'rules' | 'reviewer' | 'timeout' | 'champion_changed' | 'rollback';

/** The paired bootstrap interval of a promotion's gain (`GainInterval` of ml/metrics). */
export const gainIntervalData = z.object({
  metric: z.string(),
  confidence: z.number(),
  resamples: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  gain: z.number(),
  lower: z.number(),
  upper: z.number(),
  standardError: z.number(),
});
export type GainIntervalData = z.infer<typeof gainIntervalData>;

/** What readers check of a promotion decision (the fields they use). */
export const promotionDecisionData = z.object({
  workflowId: z.string(),
  modelName: z.string(),
  outcome: z.enum(['promoted', 'rejected']),
  decidedBy: z.enum(['rules', 'reviewer', 'timeout', 'champion_changed', 'rollback']),
  challengerVersion: z.string().min(1),
  championVersion: z.string().nullable(),
  reviewer: z.string().nullable(),
  reason: z.string(),
  datasetDigest: z.string(),
  // Events recorded before significance intervals have none.
  interval: gainIntervalData.nullish(),
});
export type PromotionDecisionData = z.infer<typeof promotionDecisionData>;

/** Validation metrics by name (`Metrics` of ml/promotion). */
type MetricValues = Readonly<Record<string, number | null>>;

/** The data of a `ModelPromoted` or `PromotionRejected` as the worker writes it. */
export type PromotionDecided = ReadableAs<
  typeof promotionDecisionData,
  {
    workflowId: string;
    modelName: string;
    outcome: PromotionOutcome;
    decidedBy: DecidedBy;
    challengerVersion: string;
    /** The champion before (and, when promoted, replaced by the challenger). */
    championVersion: string | null;
    /** Who decided: the reviewer, or who rolled back; null when the rules or a timeout did. */
    reviewer: string | null;
    reason: string;
    /** The rules' sentences; none for a rollback, which no rule judges. */
    reasons: string[];
    /** The challenger's dataset (for a rollback, the restored version's; '' when it has none). */
    datasetDigest: string;
    /** The challenger's validation metrics; {} for a rollback, which evaluates nothing. */
    challengerMetrics: MetricValues;
    championMetrics: MetricValues | null;
    /** The gain's paired bootstrap interval the rules judged; null when none (or a rollback). */
    interval: GainIntervalData | null;
  }
>;
