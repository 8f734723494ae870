// The promotion (and rollback) activities, built from their dependencies; errors mapped at the boundary.
import type { EventStore } from '../../eventstore/index.js';
import type { MlflowClient } from '../../mlflow/index.js';
import { mappingFailures } from '../failures.js';
import { judgeChallenger } from './judgeChallenger.js';
import { moveChampion } from './moveChampion.js';
import { recordPromotion } from './recordPromotion.js';
import { tagPromotion } from './tagPromotion.js';
import type {
  JudgeChallengerInput,
  MoveChampionInput,
  RecordPromotionInput,
  TagPromotionInput,
} from './types.js';

export interface PromotionActivityDeps {
  store: Pick<EventStore, 'append'>;
  mlflow: MlflowClient;
}

export const createPromotionActivities = (deps: PromotionActivityDeps) => ({
  judgeChallenger: mappingFailures((input: JudgeChallengerInput) => judgeChallenger(input)),
  moveChampion: mappingFailures((input: MoveChampionInput) => moveChampion(deps.mlflow, input)),
  recordPromotion: mappingFailures((input: RecordPromotionInput) =>
    recordPromotion(deps.store, input),
  ),
  tagPromotion: mappingFailures((input: TagPromotionInput) => tagPromotion(deps.mlflow, input)),
});

export type PromotionActivities = ReturnType<typeof createPromotionActivities>;
