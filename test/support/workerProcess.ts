// `hindsight worker` as its own process (from sources), on a test's database and task queue,
// for tests that kill workers: it resolves once the worker polls.
import type { ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import { spawnHindsight } from './processes.js';

export const startWorkerProcess = async (
  databaseUrl: string,
  taskQueue: string,
  workDir: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> => {
  const child = spawnHindsight(['worker'], {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    HINDSIGHT_TASK_QUEUE: taskQueue,
    HINDSIGHT_WORK_DIR: workDir,
    HINDSIGHT_LOG_LEVEL: 'info',
    ...env,
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('worker running')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
  });
  return child;
};

/** Resolves once the process has ended (at once if it already has). */
export const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

/** Worker processes of one test file, all killed at its end. */
export const createWorkerFleet = (
  databaseUrl: () => string,
  taskQueue: () => string,
  env: NodeJS.ProcessEnv = {},
) => {
  const workers: ChildProcess[] = [];
  return {
    start: async (workDir: string): Promise<ChildProcess> => {
      const child = await startWorkerProcess(databaseUrl(), taskQueue(), workDir, env);
      workers.push(child);
      return child;
    },
    killAll: async (): Promise<void> => {
      for (const child of workers) child.kill('SIGKILL');
      await Promise.all(workers.map(exited));
    },
  };
};
