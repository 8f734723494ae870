// The README's non-TypeScript client: the Python example (grpcio, stubs generated from proto/)
// appends idempotently, reads its stream back and sees a wrong expected version refused, against
// a real server with a token.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../config/paths.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestServer, type TestServer } from '../support/grpcServer.js';

const TOKEN = 'python-client-token-0123456789';
let db: TestDatabase;
let server: TestServer;

const runPython = (args: string[]): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(path.join(projectRoot, '.venv/bin/python'), args, { cwd: projectRoot });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.store, { apiToken: TOKEN });
});

afterAll(async () => {
  await server.stop();
  await db.drop();
});

describe('the Python client example', () => {
  it('appends once, reads back, and gets FAILED_PRECONDITION for a wrong version', async () => {
    const args = [
      'examples/python/hindsight_client.py',
      '--server',
      server.address,
      '--token',
      TOKEN,
      '--stream',
      'workorder-WO-900001',
    ];
    const { code, output } = await runPython(args);
    expect(code, output).toBe(0);
    expect(output).toContain('appended workorder-WO-900001 v1');
    expect(output).toContain('again: duplicate=True, same position=True');
    expect(output).toContain("v1 WorkOrderCreated {'priority': 'high', 'estimate_hours': 6}");
    expect(output).toContain('expected version 99 refused: FAILED_PRECONDITION');
    const { events } = await db.store.readStream('workorder-WO-900001');
    expect(events).toHaveLength(1);

    const refused = await runPython(args.slice(0, 3).concat(['--token', 'wrong-token-0123456789']));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('UNAUTHENTICATED');
  }, 120_000);
});
