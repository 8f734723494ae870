// The `hindsight` command end to end: a server process, and CLI processes talking to it.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { freePort, hindsight, spawnHindsight } from '../support/processes.js';

const TOKEN = 'cli-test-token-0123456789';

describe('hindsight CLI', () => {
  let db: TestDatabase;
  let server: ChildProcess;
  let env: NodeJS.ProcessEnv;
  let serverLog = '';

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    env = {
      DATABASE_URL: db.url,
      HINDSIGHT_GRPC_HOST: '127.0.0.1',
      HINDSIGHT_GRPC_PORT: String(port),
      HINDSIGHT_SERVER: `127.0.0.1:${port}`,
      HINDSIGHT_API_TOKEN: TOKEN,
    };
    server = spawnHindsight(['server'], env);
    server.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (!serverLog.includes('gRPC server listening')) {
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`server did not start:\n${serverLog}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    await db.drop();
  });

  it('stops with exit code 78 and names the variable when the configuration is bad', async () => {
    const result = await hindsight(['server'], {
      HINDSIGHT_GRPC_PORT: 'abc',
      DATABASE_URL: db.url,
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('HINDSIGHT_GRPC_PORT');
    const tls = await hindsight(['server'], {
      HINDSIGHT_TLS_CERT_FILE: '/tmp/cert.pem',
      DATABASE_URL: db.url,
    });
    expect(tls.code).toBe(78);
    expect(tls.stderr).toContain('HINDSIGHT_TLS_KEY_FILE');
  });

  it('appends, reads and tails events', async () => {
    const appended = await hindsight(
      ['events', 'append', 'job-1', 'JobQueued', '{"size":3}', '--json'],
      env,
    );
    expect(appended.stderr).toBe('');
    expect(appended.code).toBe(0);
    expect(JSON.parse(appended.stdout)).toMatchObject({ streamVersion: 1, duplicate: false });

    const ndjson = [
      '{"type":"JobStarted","data":{"worker":"w1"}}',
      '{"type":"JobDone","data":{"ok":true}}',
    ].join('\n');
    const fromStdin = await hindsight(
      ['events', 'append', 'job-1', '--file', '-', '--expected', '1'],
      env,
      ndjson,
    );
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout).toContain('version 3');

    const read = await hindsight(['events', 'read', 'job-1', '--json'], env);
    expect(read.code).toBe(0);
    const lines = read.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: unknown });
    expect(lines.map((l) => l.type)).toEqual(['JobQueued', 'JobStarted', 'JobDone']);
    expect(lines[0]!.data).toEqual({ size: 3 });

    const all = await hindsight(['events', 'read', '--all', '--type', 'JobDone', '--json'], env);
    expect(all.stdout.trim().split('\n')).toHaveLength(1);

    const tail = await hindsight(['events', 'tail', '--from-start', '--count', '2', '--json'], env);
    expect(tail.code).toBe(0);
    expect(tail.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('reports refused calls and bad usage with clear messages and exit codes', async () => {
    const conflict = await hindsight(
      ['events', 'append', 'job-1', 'JobQueued', '{}', '--expected', '0'],
      env,
    );
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('FAILED_PRECONDITION (STREAM_VERSION_CONFLICT): ');
    expect(conflict.stderr).toContain('its version is 3');

    const notObject = await hindsight(['events', 'append', 'job-2', 'JobQueued', '[1,2]'], env);
    expect(notObject.code).toBe(1);
    expect(notObject.stderr).toContain(
      'INVALID_ARGUMENT: events[0].data: must be a JSON object, got an array',
    );

    const badExpected = await hindsight(
      ['events', 'append', 'job-2', 'JobQueued', '--expected', 'soon'],
      env,
    );
    expect(badExpected.code).toBe(2);
    expect(badExpected.stderr).toContain('--expected');

    const unknown = await hindsight(['events', 'read', 'job-404'], env);
    expect(unknown.code).toBe(1);
    // The ErrorInfo reason beside the code, read from the status details.
    expect(unknown.stderr).toBe(
      "hindsight: NOT_FOUND (STREAM_NOT_FOUND): stream 'job-404' not found\n",
    );

    const noToken = await hindsight(['events', 'read', 'job-1'], {
      ...env,
      HINDSIGHT_API_TOKEN: '',
    });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain(
      'UNAUTHENTICATED (TOKEN_MISSING): missing authorization metadata',
    );

    const unknownCommand = await hindsight(['events', 'frobnicate'], env);
    expect(unknownCommand.code).toBe(2);

    // A split that leaves nothing to train on is bad usage, refused before anything starts.
    const noTrain = await hindsight(
      [
        'pipeline',
        'run',
        'work_order_overrun',
        '--validation-fraction',
        '0.5',
        '--test-fraction',
        '0.5',
      ],
      env,
    );
    expect(noTrain.code).toBe(2);
    expect(noTrain.stderr).toContain(
      '--validation-fraction 0.5 and --test-fraction 0.5 leave no rows to train on',
    );
    const badFraction = await hindsight(
      ['datasets', 'generate', 'work_order_overrun', '--test-fraction', 'some'],
      env,
    );
    expect(badFraction.code).toBe(2);
    expect(badFraction.stderr).toContain(
      "--test-fraction takes a number from 0 and below 1, got 'some'",
    );
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) =>
      server.once('exit', (code) => resolve(code)),
    );
    server.kill('SIGTERM');
    expect(await exited, serverLog).toBe(0);
    expect(serverLog).toContain('stopped');
  });
});
