// What the promotion and rollback workflows and their activities pass each other: JSON-safe
// plain objects.
import type { GainInterval } from '../../ml/metrics/pairedBootstrap.js';
import type { PromotionDecision } from '../../ml/promotion/decidePromotion.js';
import type { Metrics } from '../../ml/promotion/metricDirections.js';
import type { PromotionRules } from '../../ml/promotion/promotionRules.js';
import type { DecidedBy, PromotionDecided, PromotionOutcome } from '../../platform/modelEvents.js';

export type { DecidedBy, PromotionOutcome };

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

/** The decision as it is recorded: the data of its `ModelPromoted` or `PromotionRejected`. */
export type RecordPromotionInput = PromotionDecided;

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
