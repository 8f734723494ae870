// `hindsight stack up` on the embedded defaults: waits until PostgreSQL, Temporal and MLflow
// answer, prints their addresses, reuses a stack already up, and stops what it started.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portAnswers } from '../../stack/processes.js';
import { freePort, spawnHindsight } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

interface StackProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Waits for "Up." in the output; fails at once, with the output, if the command exits. */
const untilUp = async (stack: StackProcess, timeoutMs: number): Promise<void> => {
  await waitFor(
    () => stack.output().includes('Up.') || stack.child.exitCode !== null,
    timeoutMs,
    'stack up',
  );
  if (!stack.output().includes('Up.')) throw new Error(`stack up failed:\n${stack.output()}`);
};

const stackUp = (env: NodeJS.ProcessEnv): StackProcess => {
  const child = spawnHindsight(['stack', 'up'], { ...env, HINDSIGHT_LOG_LEVEL: 'warn' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
};

describe('hindsight stack up', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hs-stack-'));
  chmodSync(dataDir, 0o755); // run as root, PostgreSQL runs as the postgres user and must get in
  const running: ChildProcess[] = [];

  afterAll(() => {
    running.forEach((child) => child.exitCode === null && child.kill('SIGINT'));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the stack, lets a second run reuse it, and stops only what it started', async () => {
    const [pgPort, temporalPort, uiPort, mlflowPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const env = {
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      MLFLOW_TRACKING_URI: '',
      HINDSIGHT_DATA_DIR: dataDir,
      HINDSIGHT_EMBEDDED_PG_PORT: String(pgPort),
      HINDSIGHT_TEMPORAL_PORT: String(temporalPort),
      HINDSIGHT_TEMPORAL_UI_PORT: String(uiPort),
      HINDSIGHT_MLFLOW_PORT: String(mlflowPort),
    };
    const first = stackUp(env);
    running.push(first.child);
    await untilUp(first, 150_000);
    expect(first.output()).toContain(
      `127.0.0.1:${temporalPort}  (started, UI http://127.0.0.1:${uiPort})`,
    );
    expect(first.output()).toContain(`http://127.0.0.1:${mlflowPort}  (started)`);
    expect(first.output()).toMatch(
      new RegExp(`127\\.0\\.0\\.1:${pgPort}/hindsight  \\(started\\)`),
    );
    const health = await fetch(`http://127.0.0.1:${mlflowPort}/health`);
    expect(health.ok).toBe(true);

    const second = stackUp(env);
    running.push(second.child);
    await untilUp(second, 60_000);
    expect(second.output().match(/\(reused/g)).toHaveLength(3);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    // The second run started nothing, so everything is still up.
    expect(await portAnswers(temporalPort)).toBe(true);
    expect(await portAnswers(mlflowPort)).toBe(true);
    expect(await portAnswers(pgPort)).toBe(true);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('Stopping…');
    expect(await portAnswers(temporalPort)).toBe(false);
    expect(await portAnswers(mlflowPort)).toBe(false);
    expect(await portAnswers(pgPort)).toBe(false);
  }, 240_000);
});
