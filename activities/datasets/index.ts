// The dataset activities, built from their dependencies (the worker is the one place that
// builds real ones). Each maps its errors once, at the activity boundary.
import type { EventStore } from '../../eventstore/index.js';
import type { MlflowClient } from '../../mlflow/index.js';
import { mappingFailures } from '../failures.js';
import { abandonDatasetRun, openDatasetRun } from './datasetRun.js';
import type { FeatureViewRegistry } from '../../ml/featureViewRegistry.js';
import { generateDatasetBatch } from './generateDatasetBatch.js';
import { publishDataset } from './publishDataset.js';
import { recordDatasetGenerated } from './recordDatasetGenerated.js';
import { resolveDataset } from './resolveDataset.js';
import type {
  AbandonDatasetRunInput,
  DatasetBatchInput,
  OpenDatasetRunInput,
  PublishDatasetInput,
  RecordDatasetInput,
  ResolveDatasetInput,
} from './types.js';

export interface DatasetActivityDeps {
  store: Pick<
    EventStore,
    'readAll' | 'cut' | 'countEvents' | 'append' | 'viewSnapshots' | 'upcasters' | 'quarantine'
  >;
  mlflow: MlflowClient;
  views: FeatureViewRegistry;
  /** The worker's scratch folder; datasets are assembled under it. */
  workDir: string;
  /** The commit of the running code, for lineage. */
  gitCommit: string;
  /**
   * The MLflow server's address as people reach it (HINDSIGHT_MLFLOW_UI_URL), where a dataset's
   * MLflow source points; default: the tracking URI.
   */
  mlflowUrl?: string;
}

export const createDatasetActivities = (deps: DatasetActivityDeps) => ({
  resolveDataset: mappingFailures((input: ResolveDatasetInput) =>
    resolveDataset(deps.store, deps.views, input),
  ),
  openDatasetRun: mappingFailures((input: OpenDatasetRunInput) =>
    openDatasetRun(deps.mlflow, deps.gitCommit, input),
  ),
  generateDatasetBatch: mappingFailures((input: DatasetBatchInput) =>
    generateDatasetBatch(deps, input),
  ),
  publishDataset: mappingFailures((input: PublishDatasetInput) => publishDataset(deps, input)),
  recordDatasetGenerated: mappingFailures((input: RecordDatasetInput) =>
    recordDatasetGenerated(deps.store, input),
  ),
  abandonDatasetRun: mappingFailures((input: AbandonDatasetRunInput) =>
    abandonDatasetRun(deps.mlflow, input),
  ),
});

export type DatasetActivities = ReturnType<typeof createDatasetActivities>;
