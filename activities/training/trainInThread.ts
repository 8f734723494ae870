// Runs a trainer in a worker thread and waits for it, beating meanwhile.
import { Worker } from 'node:worker_threads';
import type { TrainedModel } from '../../ml/trainers/types.js';
import type { TrainingRequest } from './trainingThread.js';

const BEAT_MS = 2000;

/**
 * The thread's module beside this one: the build's JavaScript under dist/; under tsx (sources,
 * tests) the thread registers tsx's loader itself, since loader hooks do not reach threads.
 */
const startThread = (): Worker => {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./trainingThread.js', import.meta.url));
  }
  const module = new URL('./trainingThread.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(module)}); });`,
    { eval: true },
  );
};

export const trainInThread = (
  request: TrainingRequest,
  beat: () => void,
  signal?: AbortSignal,
): Promise<TrainedModel> => {
  const worker = startThread();
  const ticker = setInterval(beat, BEAT_MS);
  return new Promise<TrainedModel>((resolve, reject) => {
    const onAbort = (): void => {
      void worker.terminate();
      reject(signal?.reason instanceof Error ? signal.reason : new Error('training cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (trained: TrainedModel) => resolve(trained));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the training thread exited with code ${code}`));
    });
    worker.postMessage(request);
  }).finally(() => {
    clearInterval(ticker);
    void worker.terminate();
  });
};
