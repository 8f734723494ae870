// The training activities, built from their dependencies; errors mapped at the boundary.
import type { MlflowClient } from '../../mlflow/index.js';
import { checkPipeline } from '../../ml/checkPipeline.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { mappingFailures } from '../failures.js';
import { lastTrainedDigest } from './lastTrainedDigest.js';
import { evaluateModels } from './evaluateModels.js';
import {
  closePipelineRun,
  openPipelineRun,
  type ClosePipelineRunInput,
  type OpenPipelineRunInput,
} from './pipelineRun.js';
import { trainModel } from './trainModel.js';
import type { CheckPipelineInput, EvaluateModelsInput, TrainModelInput } from './types.js';

export interface TrainingActivityDeps {
  mlflow: MlflowClient;
  views: FeatureViewRegistry;
  workDir: string;
  gitCommit: string;
  /** The MLflow server's address as its users reach it; default: the tracking URI. */
  mlflowUrl?: string;
}

export const createTrainingActivities = (deps: TrainingActivityDeps) => ({
  checkPipeline: mappingFailures((input: CheckPipelineInput) => checkPipeline(deps.views, input)),
  lastTrainedDigest: mappingFailures((input: { modelName: string }) =>
    lastTrainedDigest(deps.mlflow, input.modelName),
  ),
  trainModel: mappingFailures((input: TrainModelInput) => trainModel(deps, input)),
  evaluateModels: mappingFailures((input: EvaluateModelsInput) => evaluateModels(deps, input)),
  openPipelineRun: mappingFailures((input: OpenPipelineRunInput) => openPipelineRun(deps, input)),
  closePipelineRun: mappingFailures((input: ClosePipelineRunInput) =>
    closePipelineRun(deps, input),
  ),
});

export type TrainingActivities = ReturnType<typeof createTrainingActivities>;
