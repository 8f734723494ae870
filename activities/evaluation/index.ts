// Live evaluation: the prediction/outcome projection, its windows, and the champion's figures.
import type { MlflowClient } from '../../mlflow/index.js';
import { mappingFailures } from '../failures.js';
import { advanceLiveEvaluation, type LiveEvaluationDeps } from './advanceLiveEvaluation.js';
import { evaluateLiveWindows, type EvaluateLiveWindowsInput } from './evaluateLiveWindows.js';
import { liveChampion } from './liveChampion.js';
import {
  recordRetrainingTriggered,
  type RecordRetrainingInput,
} from './recordRetrainingTriggered.js';
import type { AdvanceLiveEvaluationInput } from './advanceLiveEvaluation.js';
import type { EventStore } from '../../eventstore/index.js';

export type EvaluationActivityDeps = LiveEvaluationDeps & {
  store: Pick<EventStore, 'append'>;
  mlflow: MlflowClient;
  /** The code's commit, on the live runs' `mlflow.source.git.commit` tag. */
  gitCommit?: string;
};

export const createEvaluationActivities = (deps: EvaluationActivityDeps) => ({
  advanceLiveEvaluation: mappingFailures((input: AdvanceLiveEvaluationInput) =>
    advanceLiveEvaluation(deps, input),
  ),
  evaluateLiveWindows: mappingFailures((input: EvaluateLiveWindowsInput) =>
    evaluateLiveWindows(deps, input),
  ),
  liveChampion: mappingFailures((input: { modelName: string }) => liveChampion(deps.mlflow, input)),
  recordRetrainingTriggered: mappingFailures((input: RecordRetrainingInput) =>
    recordRetrainingTriggered(deps.store, input),
  ),
});

export type EvaluationActivities = ReturnType<typeof createEvaluationActivities>;
