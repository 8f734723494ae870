// The dataset benchmark's world beyond the database: a Temporal dev server and an MLflow server
// on free ports with their data in .data/bench-<pid>, a Temporal client, and Hindsight workers
// started as separate processes, each watched for its peak memory.
// BENCH_WORKER_NODE_ARGS passes node flags (e.g. --cpu-prof) to the worker processes.
import type { Client } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../config/paths.js';
import { NAMESPACE, startBenchServers } from './benchServers.js';

export interface WorkerProcess {
  pid: number;
  /** The most memory the process has held so far (VmHWM), in bytes. */
  peakRss(): number;
  /** The memory it holds now (VmRSS), in bytes. */
  rss(): number;
  /** Starts the peak over from the memory held now (Linux's clear_refs). */
  resetPeak(): void;
  stop(): Promise<void>;
}

export interface DatasetStack {
  client: Client;
  taskQueue: string;
  /** Temporal's frontend, host:port. */
  temporalAddress: string;
  mlflowUri: string;
  /** Starts a worker on the task queue; resolves once it polls for workflow tasks. */
  startWorker(): Promise<WorkerProcess>;
  close(): Promise<void>;
}

/** A `Vm...:   123 kB` line of /proc/<pid>/status, in bytes. */
const statusBytes = (pid: number, field: 'VmHWM' | 'VmRSS'): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
  if (kB === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kB) * 1024;
};

const stopProcess = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
};

const spawnWorker = (env: NodeJS.ProcessEnv): ChildProcess => {
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(
    process.execPath,
    [...nodeArgs, path.join(projectRoot, 'bin/hindsight.js'), 'worker'],
    { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
};

/** Waits until a poller of this process (identity `<pid>@host`) shows on the task queue. */
const waitUntilPolling = async (
  client: Client,
  taskQueue: string,
  child: ChildProcess,
): Promise<void> => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}`);
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: NAMESPACE,
      taskQueue: { name: taskQueue },
    });
    if (pollers.some(({ identity }) => identity?.startsWith(`${child.pid}@`))) return;
    if (Date.now() > deadline) throw new Error('the worker did not poll within 60 s');
    await sleep(100);
  }
};

export const startDatasetStack = async (databaseUrl: string): Promise<DatasetStack> => {
  const runDir = path.join(projectRoot, `.data/bench-${process.pid}`);
  const servers = await startBenchServers({ runDir });
  const { client } = servers;
  const taskQueue = `bench-datasets-${process.pid}`;
  const workers = new Set<ChildProcess>();

  return {
    client,
    taskQueue,
    temporalAddress: servers.temporalAddress,
    mlflowUri: servers.mlflowUri,
    startWorker: async () => {
      const child = spawnWorker({
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: servers.temporalAddress,
        TEMPORAL_NAMESPACE: NAMESPACE,
        MLFLOW_TRACKING_URI: servers.mlflowUri,
        HINDSIGHT_TASK_QUEUE: taskQueue,
        HINDSIGHT_WORK_DIR: path.join(runDir, 'work'),
        HINDSIGHT_LOG_LEVEL: 'warn',
      });
      const pid = child.pid;
      if (pid === undefined) throw new Error('could not start the worker');
      workers.add(child);
      const stop = async (): Promise<void> => {
        await stopProcess(child);
        workers.delete(child);
      };
      try {
        await waitUntilPolling(client, taskQueue, child);
      } catch (error) {
        await stop();
        throw error;
      }
      return {
        pid,
        peakRss: () => statusBytes(pid, 'VmHWM'),
        rss: () => statusBytes(pid, 'VmRSS'),
        resetPeak: () => writeFileSync(`/proc/${pid}/clear_refs`, '5'),
        stop,
      };
    },
    close: async () => {
      await Promise.all([...workers].map(stopProcess));
      await servers.close();
    },
  };
};
