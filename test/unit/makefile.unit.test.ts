// What plain `make` does on a fresh clone, as the README says: the npm packages, the build and
// the .venv with Temporal and MLflow. A dry run (`make -n -B`) lists every command it would run.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const dryRun = (...targets: string[]): string =>
  execFileSync('make', ['-n', '-B', ...targets], { encoding: 'utf8' });

describe('plain make', () => {
  it('installs the npm packages, builds, and creates the .venv', () => {
    const commands = dryRun();
    expect(commands).toContain('npm ci');
    expect(commands).toContain('npx tsc -p tsconfig.build.json');
    expect(commands).toContain('python3 -m venv .venv');
    expect(commands).toContain('pip install -qq --disable-pip-version-check -r requirements.txt');
  });
});
