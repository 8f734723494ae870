// The embedded PostgreSQL default works for root (running the server as the postgres system
// user) and for an ordinary user, and a second start reuses the running server.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/processes.js';

const folders: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hs-embedded-'));
  chmodSync(dir, 0o777); // writable by whichever user the fixture runs as
  folders.push(dir);
  return dir;
};

const runFixture = (
  dir: string,
  port: number,
  uid?: number,
): { user: string; reused: boolean; firstReused: boolean } =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/embeddedPostgres.ts', path.join(dir, 'pg'), String(port)],
      {
        uid,
        gid: uid,
        env: { ...process.env, HOME: dir, TSX_DISABLE_CACHE: '1' },
        encoding: 'utf8',
        timeout: 90_000,
      },
    ),
  ) as { user: string; reused: boolean; firstReused: boolean };

describe('embedded PostgreSQL', () => {
  afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('initialises, serves, is reused by a second start, and stops', async () => {
    const result = runFixture(scratch(), await freePort());
    expect(result).toEqual({ user: 'hindsight', reused: true, firstReused: false });
  });

  // Only root can switch to another user; run as an ordinary user, the test above covers it.
  it.runIf(process.getuid?.() === 0)('works for an ordinary user, not only for root', async () => {
    const nobody = 65534;
    const result = runFixture(scratch(), await freePort(), nobody);
    expect(result).toEqual({ user: 'hindsight', reused: true, firstReused: false });
  });
});
