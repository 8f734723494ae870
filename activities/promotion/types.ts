// What the promotion workflow and its activities pass each other: JSON-safe plain objects.
import type { PromotionDecision } from '../../ml/promotion/decidePromotion.js';
import type { Metrics } from '../../ml/promotion/metricDirections.js';
import type { PromotionRules } from '../../ml/promotion/promotionRules.js';

export interface JudgeChallengerInput {
  rules: unknown;
  challenger: Metrics;
  champion: Metrics | null;
  baseline: Metrics;
  validationRows: number;
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
export type DecidedBy = 'rules' | 'reviewer' | 'timeout' | 'champion_changed';

export interface RecordPromotionInput {
  workflowId: string;
  modelName: string;
  outcome: PromotionOutcome;
  decidedBy: DecidedBy;
  challengerVersion: string;
  /** The champion before (and, when promoted, replaced by the challenger). */
  championVersion: string | null;
  reviewer: string | null;
  reason: string;
  reasons: string[];
  datasetDigest: string;
  challengerMetrics: Metrics;
  championMetrics: Metrics | null;
}

export interface RecordedPromotion {
  streamId: string;
  streamVersion: number;
  globalPosition: number;
}
