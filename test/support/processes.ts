// Running the real `hindsight` command from sources (tsx), as a user would run the built one.
// The console binds a free port unless a test asks for one (8080 would clash between files).
import { spawn, type ChildProcess } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLI = ['--import', 'tsx', 'cli/main.ts'];

/** Runs a command to its end: its exit code and what it wrote. */
export const runCommand = (
  file: string,
  args: string[],
  { env, cwd, input }: { env: NodeJS.ProcessEnv; cwd?: string; input?: string },
): Promise<CommandResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });

export const hindsight = (
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<CommandResult> =>
  runCommand(process.execPath, [...CLI, ...args], {
    env: { ...process.env, HINDSIGHT_LOG_LEVEL: 'warn', HINDSIGHT_HTTP_PORT: '0', ...env },
    input,
  });

export const spawnHindsight = (args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess =>
  spawn(process.execPath, [...CLI, ...args], {
    env: { ...process.env, HINDSIGHT_LOG_LEVEL: 'info', HINDSIGHT_HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

export { freePort } from '../../stack/processes.js';
