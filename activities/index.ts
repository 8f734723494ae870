// Every activity of the worker, from one set of dependencies.
import { createDatasetActivities, type DatasetActivityDeps } from './datasets/index.js';
import { createPromotionActivities } from './promotion/index.js';
import { createTrainingActivities } from './training/index.js';

export type ActivityDeps = DatasetActivityDeps;

export const createActivities = (deps: ActivityDeps) => ({
  ...createDatasetActivities(deps),
  ...createPromotionActivities(deps),
  ...createTrainingActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;
