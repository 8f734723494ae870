// Moves the registry alias `champion` to the promoted version, only if the champion is still
// the one the challenger beat: two promotions racing cannot both win on stale comparisons.
import { ApplicationFailure } from '@temporalio/activity';
import type { MlflowClient } from '../../mlflow/index.js';
import { CHAMPION_ALIAS, currentChampion } from '../../platform/modelRegistry.js';
import type { MoveChampionInput, MovedChampion } from './types.js';

// bench/ still imports this name from here; its home is platform/.
export { CHAMPION_ALIAS };

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
