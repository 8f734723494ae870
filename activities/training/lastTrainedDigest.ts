// Whether a pipeline has anything new to train on: the digest of the dataset the model's newest
// version learnt from.
import type { MlflowClient } from '../../mlflow/index.js';
import { MODEL_TAGS } from '../../platform/modelRegistry.js';

/** The digest of the dataset the newest version of the model was trained on; null if none. */
export const lastTrainedDigest = async (
  mlflow: MlflowClient,
  modelName: string,
): Promise<string | null> => {
  const { items } = await mlflow.searchModelVersions({
    filter: `name = '${modelName}'`,
    orderBy: ['version_number DESC'],
    maxResults: 1,
  });
  return items[0]?.tags[MODEL_TAGS.datasetDigest] ?? null;
};
