// Every activity of the worker, from one set of dependencies.
import { createDatasetActivities, type DatasetActivityDeps } from './datasets/index.js';
import { createEvaluationActivities, type EvaluationActivityDeps } from './evaluation/index.js';
import { createOperationsActivities, type OperationsActivityDeps } from './operations/index.js';
import { createPromotionActivities } from './promotion/index.js';
import { createScoringActivities, type ScoringActivityDeps } from './scoring/index.js';
import { createTrainingActivities } from './training/index.js';

export type ActivityDeps = DatasetActivityDeps &
  OperationsActivityDeps &
  EvaluationActivityDeps &
  ScoringActivityDeps;

export const createActivities = (deps: ActivityDeps) => ({
  ...createDatasetActivities(deps),
  ...createPromotionActivities(deps),
  ...createTrainingActivities(deps),
  ...createOperationsActivities(deps),
  ...createEvaluationActivities(deps),
  ...createScoringActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;
