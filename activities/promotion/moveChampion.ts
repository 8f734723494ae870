// Moves the registry alias `champion` to the promoted version, only if the champion is still
// the one the challenger beat: two promotions racing cannot both win on stale comparisons.
import { ApplicationFailure } from '@temporalio/activity';
import { isMlflowError, type MlflowClient } from '../../mlflow/index.js';
import type { MoveChampionInput, MovedChampion } from './types.js';

export const CHAMPION_ALIAS = 'champion';

export const currentChampion = async (
  mlflow: MlflowClient,
  modelName: string,
): Promise<string | null> => {
  try {
    return (await mlflow.getModelVersionByAlias({ name: modelName, alias: CHAMPION_ALIAS }))
      .version;
  } catch (error) {
    if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return null;
    throw error;
  }
};

export const moveChampion = async (
  mlflow: MlflowClient,
  { modelName, version, expectedChampion }: MoveChampionInput,
): Promise<MovedChampion> => {
  const current = await currentChampion(mlflow, modelName);
  // A retry after a move that succeeded: nothing left to do.
  if (current === version) return { previous: expectedChampion, moved: false };
  if (current !== expectedChampion) {
    throw ApplicationFailure.nonRetryable(
      `the champion of '${modelName}' is version ${current ?? 'none'} now, not ` +
        `${expectedChampion ?? 'none'} as when version ${version} was evaluated: evaluate again`,
      'CHAMPION_CHANGED',
    );
  }
  await mlflow.setModelAlias({ name: modelName, alias: CHAMPION_ALIAS, version });
  return { previous: current, moved: true };
};
