// `hindsight demo` as `make demo` runs it, on a fresh data folder: the stack comes up, the demo
// history goes in over gRPC, the pipeline promotes a champion, the live world starts (predictions
// over gRPC, scoring, live evaluation) and the console answers; Ctrl-C stops everything; a second
// run reuses the data and the champion and duplicates nothing.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMlflowClient } from '../../mlflow/index.js';
import { portAnswers } from '../../stack/processes.js';
import { freePort, spawnHindsight } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

interface DemoRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const startDemo = (env: NodeJS.ProcessEnv): DemoRun => {
  const child = spawnHindsight(
    ['demo', '--work-orders', '600', '--seed', '7', '--pace-ms', '300'],
    {
      ...env,
      HINDSIGHT_LOG_LEVEL: 'warn',
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
};

const untilServing = async (run: DemoRun): Promise<void> => {
  await waitFor(
    () => run.output().includes('Serving until Ctrl-C.') || run.child.exitCode !== null,
    240_000,
    'the demo to serve',
  );
  if (!run.output().includes('Serving until Ctrl-C.')) {
    throw new Error(`the demo failed:\n${run.output()}`);
  }
};

const digestOf = (output: string): string | undefined =>
  /^digest\s+([0-9a-f]{64})$/m.exec(output)?.[1];

describe('hindsight demo', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hs-demo-'));
  chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as the postgres user and must get in
  const running: ChildProcess[] = [];

  afterAll(() => {
    running.forEach((child) => child.exitCode === null && child.kill('SIGKILL'));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the whole job and a live world, stops cleanly on Ctrl-C, and reuses it all on a second run', async () => {
    const [pgPort, temporalPort, uiPort, mlflowPort, grpcPort, httpPort] = (await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    )) as [number, number, number, number, number, number];
    const env = {
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      MLFLOW_TRACKING_URI: '',
      HINDSIGHT_DATA_DIR: dataDir,
      HINDSIGHT_EMBEDDED_PG_PORT: String(pgPort),
      HINDSIGHT_TEMPORAL_PORT: String(temporalPort),
      HINDSIGHT_TEMPORAL_UI_PORT: String(uiPort),
      HINDSIGHT_MLFLOW_PORT: String(mlflowPort),
      HINDSIGHT_GRPC_PORT: String(grpcPort),
      HINDSIGHT_HTTP_PORT: String(httpPort),
      HINDSIGHT_TASK_QUEUE: 'demo-e2e',
    };
    const first = startDemo(env);
    running.push(first.child);
    await untilServing(first);
    const digest = digestOf(first.output());
    expect(digest).toBeDefined();
    expect(first.output()).toContain('pipeline work_order_overrun: completed');
    expect(first.output()).toMatch(/^trained {5}logistic_regression → work_order_overrun v1/m);
    expect(first.output()).toContain('Champion promoted: work_order_overrun v1.');
    expect(first.output()).toContain(`Console      http://localhost:${httpPort}`);
    expect(first.output()).toContain(`MLflow UI    http://127.0.0.1:${mlflowPort}`);
    expect(first.output()).toContain(`Temporal UI  http://127.0.0.1:${uiPort}`);
    expect(first.output()).toContain('Live evaluation: live-evaluation-work_order_overrun');
    expect(first.output()).toContain('Batch scoring: batch-scoring-work_order_overrun');
    const runId = /\/runs\/([0-9a-f]{32})$/m.exec(first.output())?.[1];
    const mlflow = createMlflowClient({ trackingUri: `http://127.0.0.1:${mlflowPort}` });
    const run = await mlflow.getRun(runId ?? '');
    expect(run.info.status).toBe('FINISHED');
    expect(run.tags['hindsight.dataset_digest']).toBe(digest);

    // The live world: predictions over gRPC land in the log, and the console shows them.
    const console = `http://localhost:${httpPort}`;
    expect((await fetch(`${console}/api/health`)).status).toBe(200);
    await waitFor(() => /predictions by v1/.test(first.output()), 60_000, 'the first live step');
    const predictions = (await (
      await fetch(`${console}/api/events/recent?type=PredictionMade&pageSize=5`)
    ).json()) as { items: { data: { modelVersion: string } }[] };
    expect(predictions.items.length).toBeGreaterThan(0);
    expect(predictions.items[0]?.data.modelVersion).toBe('1');
    const page = await fetch(`${console}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/assets/app.js');

    first.child.kill('SIGINT');
    expect(await first.exited, first.output()).toBe(0);
    for (const port of [pgPort, temporalPort, mlflowPort, grpcPort, httpPort]) {
      expect(await portAnswers(port)).toBe(false);
    }

    const second = startDemo(env);
    running.push(second.child);
    await untilServing(second);
    expect(second.output()).toContain('already there from an earlier run: nothing duplicated');
    expect(second.output()).toContain(
      'Champion work_order_overrun v1 is there from an earlier run: reusing it.',
    );
    expect(second.output()).toContain('(already following the log)');
    second.child.kill('SIGINT');
    expect(await second.exited, second.output()).toBe(0);
  }, 420_000);
});
