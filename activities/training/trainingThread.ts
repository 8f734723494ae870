// The body of a training thread: CPU-bound training runs here, off the activity's event loop,
// so the activity keeps heartbeating and a crashed worker is noticed within the heartbeat
// timeout rather than the training's whole time limit.
import { parentPort } from 'node:worker_threads';
import { getTrainer } from '../../ml/trainers/registry.js';
import type { TrainingSet } from '../../ml/trainers/types.js';

export interface TrainingRequest {
  trainer: string;
  set: TrainingSet;
  params: unknown;
  seed: number;
}

parentPort?.once('message', (request: TrainingRequest) => {
  const trainer = getTrainer(request.trainer);
  parentPort?.postMessage(trainer.train(request.set, request.params, request.seed));
});
