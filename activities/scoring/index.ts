// Batch scoring of every open entity with the champion.
import { mappingFailures } from '../failures.js';
import {
  scoreOpenEntities,
  type ScoreOpenEntitiesInput,
  type ScoringActivityDeps,
} from './scoreOpenEntities.js';

export type { ScoringActivityDeps };

export const createScoringActivities = (deps: ScoringActivityDeps) => ({
  scoreOpenEntities: mappingFailures((input: ScoreOpenEntitiesInput) =>
    scoreOpenEntities(deps, input),
  ),
});

export type ScoringActivities = ReturnType<typeof createScoringActivities>;
