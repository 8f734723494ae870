// The model's champion as live evaluation needs it: its version, and its validation figures
// (the `val_*` metrics of its training run), which a degradation policy may compare with.

import {
  METRIC_NAMES,
  loggedMetricKey,
  type Metrics,
} from '../../ml/promotion/metricDirections.js';
import type { MlflowClient } from '../../mlflow/index.js';
import { currentChampion } from '../../platform/modelRegistry.js';

export interface LiveChampion {
  version: string | null;
  validation: Metrics;
}

export const liveChampion = async (
  mlflow: MlflowClient,
  { modelName }: { modelName: string },
): Promise<LiveChampion> => {
  const version = await currentChampion(mlflow, modelName);
  if (version === null) return { version, validation: {} };
  const { runId } = await mlflow.getModelVersion({ name: modelName, version });
  if (!runId) return { version, validation: {} };
  const logged = new Map((await mlflow.getRun(runId)).metrics.map((m) => [m.key, m.value]));
  return {
    version,
    validation: Object.fromEntries(
      METRIC_NAMES.map((name) => [name, logged.get(`val_${loggedMetricKey(name)}`) ?? null]),
    ),
  };
};
