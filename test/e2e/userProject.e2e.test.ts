// A new user's path, end to end, with nothing of this repository edited: Hindsight packed with
// `npm pack`, a project made by `hindsight init` in a folder outside the repository, the tarball
// installed there, a second view of the user's own added, and the packed `hindsight` run from the
// project against a real stack: events appended over gRPC → `datasets generate` → `pipeline run`
// → champion promoted → `models predict`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../config/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort, hindsight, runCommand, type CommandResult } from '../support/processes.js';

const run = promisify(execFile);
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5);

let db: TestDatabase;
let dir: string;
let project: string;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];
const modelName = `churn-${Date.now().toString(36)}`;

/** The packed `hindsight` of the project, as its user runs it. */
const packed = (args: string[]): Promise<CommandResult> =>
  runCommand(path.join(project, 'node_modules', '.bin', 'hindsight'), args, { env, cwd: project });

const SECOND_VIEW = `// Tickets reopened within 7 days of being solved: a view the user adds to the scaffold.
import { defineFeatureView } from 'hindsight';

const DAY = 86_400_000;

export const ticketReopened = defineFeatureView({
  name: 'ticket_reopened',
  version: 1,
  featureNames: ['replies'],
  eventTypes: ['TicketReplied', 'TicketSolved', 'TicketReopened'],
  labelHorizon: { within: 7 * DAY, otherwise: 0 },
  initialState: () => new Map<string, number>(),
  apply: (state, event, emit) => {
    const id = event.streamId;
    if (event.type === 'TicketReplied') state.set(id, (state.get(id) ?? 0) + 1);
    if (event.type === 'TicketSolved') emit.observe(id, { replies: state.get(id) ?? 0 });
    if (event.type === 'TicketReopened') emit.label(id, 1);
  },
  constants: { DAY },
});
`;

/**
 * Ten months of a subscription service: 150 subscribers, who start any day of the first seven
 * months and report usage weekly until the end; every third cancels between its 8th and 30th
 * week, after five reports ten days apart with little use (what the view's features learn from).
 */
const END = START + 300 * DAY;
const subscriptionLog = (): { streamId: string; type: string; data: object; at: number }[] => {
  const events: { streamId: string; type: string; data: object; at: number }[] = [];
  for (let s = 0; s < 150; s += 1) {
    const streamId = `subscription-${String(s).padStart(3, '0')}`;
    const started = START + ((s * 97) % 210) * DAY;
    const cancelWeek = s % 3 === 0 ? 8 + ((s * 7) % 23) : null;
    const last = cancelWeek === null ? END : started + cancelWeek * 7 * DAY;
    events.push({
      streamId,
      type: 'SubscriptionStarted',
      data: { plan: s % 4 ? 'basic' : 'pro' },
      at: started,
    });
    let at = started;
    for (let week = 1; started + week * 7 * DAY <= Math.min(last, END); week += 1) {
      at = started + week * 7 * DAY;
      events.push({
        streamId,
        type: 'UsageRecorded',
        data: { minutes: 40 + ((s * 7 + week * 3) % 30) },
        at,
      });
    }
    if (cancelWeek === null || last > END) continue;
    for (let k = 1; k <= 5; k += 1) {
      events.push({
        streamId,
        type: 'UsageRecorded',
        data: { minutes: 5 + (s % 5) },
        at: at + k * 10 * DAY,
      });
    }
    events.push({ streamId, type: 'SubscriptionCancelled', data: {}, at: at + 54 * DAY });
  }
  for (let t = 0; t < 60; t += 1) {
    const streamId = `ticket-${t}`;
    const opened = START + t * 3 * DAY;
    for (let r = 0; r <= t % 4; r += 1)
      events.push({ streamId, type: 'TicketReplied', data: {}, at: opened + r * DAY });
    events.push({ streamId, type: 'TicketSolved', data: {}, at: opened + 5 * DAY });
    if (t % 3 === 0)
      events.push({ streamId, type: 'TicketReopened', data: {}, at: opened + 8 * DAY });
  }
  return events.sort((a, b) => a.at - b.at);
};

/**
 * The user's own script that appends their history: it imports the public client as any user's
 * code would (`hindsight/client` from the installed tarball), retrying the first append until
 * the server is up.
 */
const APPEND_SCRIPT = `import { readFileSync } from 'node:fs';
import { createHindsightClient, HindsightError } from 'hindsight/client';

const client = createHindsightClient({ address: process.env.HINDSIGHT_SERVER });
const history = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const append = ({ streamId, type, data, at }) =>
  client.eventStore.append({
    streamId,
    events: [{ type, data: Buffer.from(JSON.stringify(data)), occurredAtMs: at, actor: 'user-project-test' }],
  });
try {
  const [first, ...rest] = history;
  for (let tries = 0; ; tries += 1) {
    try {
      await append(first);
      break;
    } catch (error) {
      // Not up yet: UNAVAILABLE, as a HindsightError like every refusal.
      if (!(error instanceof HindsightError) || error.code !== 'UNAVAILABLE' || tries > 600) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  for (const event of rest) await append(event);
  console.log(\`appended \${history.length}\`);
} finally {
  client.close();
}
`;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'hindsight-user-'));
  const { stdout } = await run('npm', ['pack', '--pack-destination', dir, '--silent'], {
    cwd: projectRoot,
  });
  const tarball = path.join(dir, stdout.trim().split('\n').pop() ?? '');
  project = path.join(dir, 'churn');
  const init = await hindsight(['init', project, '--hindsight', `file:${tarball}`]);
  expect(init.code, init.stderr).toBe(0);
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: project,
    timeout: 480_000,
  });
  // The user's second view, of a domain of their own.
  await writeFile(path.join(project, 'src', 'ticketReopened.ts'), SECOND_VIEW);
  const config = path.join(project, 'hindsight.config.ts');
  await writeFile(
    config,
    (await readFile(config, 'utf8'))
      .replace(
        "import { subscriptionChurn } from './src/subscriptionChurn.js';",
        "import { subscriptionChurn } from './src/subscriptionChurn.js';\nimport { ticketReopened } from './src/ticketReopened.js';",
      )
      .replace('views: [subscriptionChurn]', 'views: [subscriptionChurn, ticketReopened]'),
  );
  const grpcPort = await freePort();
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    MLFLOW_TRACKING_URI: inject('mlflowUri'),
    HINDSIGHT_TASK_QUEUE: `user-project-${Date.now().toString(36)}`,
    HINDSIGHT_GRPC_PORT: String(grpcPort),
    HINDSIGHT_HTTP_PORT: '0',
    HINDSIGHT_SERVER: `127.0.0.1:${grpcPort}`,
    HINDSIGHT_DATA_DIR: path.join(dir, 'data'),
    HINDSIGHT_PROJECT: project,
    HINDSIGHT_LOG_LEVEL: 'warn',
    CI: 'true',
  };
  for (const command of ['server', 'worker']) {
    const child = spawn(path.join(project, 'node_modules', '.bin', 'hindsight'), [command], {
      cwd: project,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
  }
}, 900_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('a user’s own project, from the packed Hindsight', () => {
  it('installs the tarball: the public entry points only', async () => {
    const installed = path.join(project, 'node_modules', 'hindsight');
    expect(await readdir(installed)).toEqual(
      expect.arrayContaining(['bin', 'dist', 'package.json', 'templates', 'proto']),
    );
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(Object.keys(manifest.exports).sort()).toEqual([
      '.',
      './client',
      './package.json',
      './testing',
    ]);
  });

  it('appends over gRPC, generates a dataset, trains a champion and predicts with it', async () => {
    const log = subscriptionLog();
    await writeFile(path.join(project, 'history.json'), JSON.stringify(log));
    await writeFile(path.join(project, 'append.mjs'), APPEND_SCRIPT);
    const appended = await runCommand(process.execPath, ['append.mjs', 'history.json'], {
      env,
      cwd: project,
    });
    expect(appended.code, appended.stderr).toBe(0);
    expect(appended.stdout.trim()).toBe(`appended ${log.length}`);

    const second = await packed(['datasets', 'generate', 'ticket_reopened']);
    expect(second.code, second.stderr).toBe(0);

    const dataset = await packed(['datasets', 'generate', 'subscription_churn', '--json']);
    expect(dataset.code, dataset.stderr).toBe(0);

    const pipeline = await packed(['pipeline', 'run', 'subscription_churn', '--model', modelName]);
    expect(pipeline.code, pipeline.stderr + pipeline.stdout).toBe(0);
    expect(pipeline.stdout).toMatch(/promotion {2}version 1 promoted by rules/);

    // Never cancels: open at the end of the log, scored as of then.
    const active = 'subscription-001';
    const asOf = END;
    const predicted = await packed([
      'models',
      'predict',
      modelName,
      active,
      '--as-of',
      String(asOf),
      '--json',
    ]);
    expect(predicted.code, predicted.stderr).toBe(0);
    const prediction = JSON.parse(predicted.stdout) as { score: number; modelVersion: string };
    expect(prediction.modelVersion).toBe('1');
    expect(prediction.score).toBeGreaterThanOrEqual(0);
    expect(prediction.score).toBeLessThanOrEqual(1);
  }, 600_000);
});
