// What the promotion and rollback workflows and their activities pass each other: JSON-safe
// plain objects.
import type { GainInterval } from '../../ml/metrics/pairedBootstrap.js';
import type { PromotionDecision } from '../../ml/promotion/decidePromotion.js';
import type { Metrics } from '../../ml/promotion/metricDirections.js';
import type { PromotionRules } from '../../ml/promotion/promotionRules.js';

export interface JudgeChallengerInput {
  rules: unknown;
  challenger: Metrics;
  champion: Metrics | null;
  baseline: Metrics;
  validationRows: number;
  /** The paired bootstrap of the gain on the primary metric; null when none was computed. */
  interval: GainInterval | null;
}

export interface JudgedChallenger {
  rules: PromotionRules;
  decision: PromotionDecision;
  summary: string;
}

export interface MoveChampionInput {
  modelName: string;
  version: string;
  /** The champion the challenger was compared with; the move fails if it changed meanwhile. */
  expectedChampion: string | null;
}

export interface MovedChampion {
  previous: string | null;
  /** False when a retry found the alias already moved. */
  moved: boolean;
}

export type PromotionOutcome = 'promoted' | 'rejected';
/** `rollback`: a person moved the champion back to an earlier version (RollbackWorkflow). */
export type DecidedBy = 'rules' | 'reviewer' | 'timeout' | 'champion_changed' | 'rollback';

export interface RecordPromotionInput {
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
  challengerMetrics: Metrics;
  championMetrics: Metrics | null;
  /** The gain's paired bootstrap interval the rules judged; null when none (or a rollback). */
  interval: GainInterval | null;
}

export interface RecordedPromotion {
  streamId: string;
  streamVersion: number;
  globalPosition: number;
}

export interface TagPromotionInput {
  workflowId: string;
  modelName: string;
  /** The challenger's version: the decision is told on it. */
  version: string;
  outcome: PromotionOutcome;
  decidedBy: DecidedBy;
  interval: GainInterval | null;
}
