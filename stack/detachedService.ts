// Runs a stack service (Temporal's dev server, MLflow) as a detached process with a pid file
// and a log, reuses one that is already up and healthy, and stops what it started.
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from './processes.js';

export interface DetachedServiceOptions {
  name: string;
  /** Folder for the pid file and the log. */
  dir: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Resolves true once the service answers. */
  healthy: () => Promise<boolean>;
  startTimeoutMs?: number;
  log?: (message: string) => void;
}

export interface RunningService {
  reused: boolean;
  logFile: string;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const readPid = async (pidFile: string): Promise<number | undefined> => {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number((await readFile(pidFile, 'utf8')).trim());
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : undefined;
};

/** Sends SIGTERM to the process group, then SIGKILL if it is still there after a while. */
const terminate = async (pid: number, graceMs = 10_000): Promise<void> => {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isProcessAlive(pid)) signal('SIGKILL');
};

export const startDetachedService = async (
  options: DetachedServiceOptions,
): Promise<RunningService> => {
  const {
    name,
    dir,
    command,
    args,
    env,
    healthy,
    startTimeoutMs = 120_000,
    log = () => undefined,
  } = options;
  await mkdir(dir, { recursive: true });
  const pidFile = path.join(dir, `${name}.pid`);
  const logFile = path.join(dir, `${name}.log`);

  const existing = await readPid(pidFile);
  if (existing !== undefined && (await healthy())) {
    log(`reusing the ${name} already running (pid ${existing})`);
    return { reused: true, logFile, stop: () => Promise.resolve() };
  }
  if (existing !== undefined) await terminate(existing);

  if (!existsSync(command))
    throw new Error(`${name}: ${command} is missing (run make, which installs .venv)`);
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not start ${command}`);
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  await writeFile(pidFile, String(pid));

  const deadline = Date.now() + startTimeoutMs;
  while (!(await healthy())) {
    if (exited !== undefined || Date.now() > deadline) {
      await terminate(pid, 2000);
      await rm(pidFile, { force: true });
      const tail = (await readFile(logFile, 'utf8')).split('\n').slice(-20).join('\n');
      const why =
        exited !== undefined
          ? `exited with ${exited}`
          : `was not healthy within ${startTimeoutMs} ms`;
      throw new Error(`${name} ${why}; the end of ${logFile}:\n${tail}`);
    }
    await sleep(250);
  }
  log(`${name} started (pid ${pid}, log ${logFile})`);
  return {
    reused: false,
    logFile,
    stop: async () => {
      await terminate(pid);
      await rm(pidFile, { force: true });
    },
  };
};

/** Stops a service left running by a process that is gone, from its pid file in `dir`. */
export const stopLeftoverService = async (dir: string, name: string): Promise<void> => {
  const pidFile = path.join(dir, `${name}.pid`);
  const pid = await readPid(pidFile);
  if (pid !== undefined) await terminate(pid);
  await rm(pidFile, { force: true });
};
