// Every workflow the worker runs; the worker bundles this file.
export { DatasetWorkflow, datasetProgressQuery } from './datasetWorkflow.js';
export {
  PromotionWorkflow,
  approveUpdate,
  promotionStatusQuery,
  rejectUpdate,
} from './promotionWorkflow.js';
export { RetrainingPipeline, pipelineProgressQuery } from './retrainingPipeline.js';
