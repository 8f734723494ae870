// `hindsight init` as a new user meets it: a project in a folder outside the repository whose
// `npm test` passes (its view's tests with the test kit), depending on this Hindsight; a folder
// that is not empty, or a name that is no project name, is refused and nothing is written.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import { projectRoot } from '../../config/paths.js';
import { hindsight } from '../support/processes.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hindsight-init-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hindsight init', () => {
  it('scaffolds a project whose npm test passes', async () => {
    const folder = path.join(dir, 'Churn Watch');
    const created = await hindsight(['init', folder, '--hindsight', `file:${projectRoot}`]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('next: cd');
    expect((await readdir(folder, { recursive: true })).sort()).toEqual(
      [
        '.gitignore',
        'README.md',
        'hindsight.config.ts',
        'package.json',
        'src',
        'src/subscriptionChurn.ts',
        'test',
        'test/subscriptionChurn.test.ts',
        'tsconfig.json',
      ].sort(),
    );
    const manifest = JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8')) as {
      name: string;
      dependencies: Record<string, string>;
    };
    expect(manifest.name).toBe('churn-watch');
    expect(manifest.dependencies.hindsight).toBe(`file:${projectRoot}`);
    expect(
      (await readFile(path.join(folder, 'README.md'), 'utf8')).split('\n').length,
    ).toBeLessThan(14);
    expect(await readFile(path.join(folder, 'hindsight.config.ts'), 'utf8')).toContain(
      "name: 'churn-watch'",
    );

    const npm = {
      cwd: folder,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: 300_000,
    };
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], npm);
    const tested = await run('npm', ['test'], npm);
    expect(tested.stdout).toMatch(/Tests\s+2 passed/);
    // The project also loads as the platform would load it.
    const loaded = await hindsight(['--project', folder, 'worker'], {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    expect(loaded.stderr).not.toContain('the project is invalid');
    expect(loaded.code).toBe(EXIT.unavailable);
  }, 420_000);

  it('refuses a folder that is not empty, or a name that is no project name', async () => {
    const busy = path.join(dir, 'busy');
    await run('mkdir', ['-p', busy]);
    await writeFile(path.join(busy, 'notes.txt'), 'mine');
    const refused = await hindsight(['init', busy]);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stderr).toContain(`${busy} is not empty`);
    expect(await readdir(busy)).toEqual(['notes.txt']);

    const badName = await hindsight(['init', path.join(dir, 'fresh'), '--name', 'Not A Name']);
    expect(badName.code).toBe(EXIT.usage);
    expect(badName.stderr).toContain("'Not A Name' is not a project name");
    expect((await readdir(dir)).filter((f) => f.startsWith('fresh'))).toEqual([]);
  });
});
