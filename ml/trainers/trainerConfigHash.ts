// What makes a model besides its dataset: the trainer, its parsed params and its seed. Two
// trainings with the same digest and the same hash would train the same model twice.
import { createHash } from 'node:crypto';

/** What a trainer makes of a dataset: its name, its parsed params and its seed, hashed. */
export const trainerConfigHash = (name: string, params: unknown, seed: number): string =>
  createHash('sha256')
    .update(JSON.stringify({ trainer: name, params, seed }))
    .digest('hex');
