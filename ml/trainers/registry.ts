// The built-in trainers by name, and the scorer of any artifact they made.
import { checkArtifact } from './artifact.js';
import { logisticRegression } from './logisticRegression.js';
import { randomForest } from './randomForest.js';
import { invalidArgument } from './trainingSet.js';
import type { ModelArtifact, ModelScorer, Trainer } from './types.js';

export const TRAINERS: ReadonlyMap<string, Trainer<unknown>> = new Map<string, Trainer<unknown>>(
  [logisticRegression, randomForest].map((trainer) => [trainer.name, trainer]),
);

export const getTrainer = (name: string): Trainer<unknown> => {
  const trainer = TRAINERS.get(name);
  if (!trainer) {
    throw invalidArgument(
      `unknown trainer ${JSON.stringify(name)} (known: ${[...TRAINERS.keys()].join(', ')})`,
    );
  }
  return trainer;
};

/** A scorer from the artifact alone, by the trainer that made it. */
export const loadModel = (artifact: ModelArtifact): ModelScorer => {
  checkArtifact(artifact);
  return getTrainer(artifact.trainer).load(artifact);
};
