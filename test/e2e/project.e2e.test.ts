// `--project` as an operator meets it: the server and the worker refuse to start on a project
// that does not load or is invalid, with the config exit code (78) and every problem named, before
// they touch a database, Temporal or MLflow; HINDSIGHT_PROJECT does the same.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import { projectRoot } from '../../config/paths.js';
import { hindsight } from '../support/processes.js';

let dir: string;
const sdk = path.join(projectRoot, 'sdk', 'index.ts');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hindsight-cli-project-'));
  await mkdir(path.join(dir, 'invalid'));
  await writeFile(
    path.join(dir, 'invalid', 'hindsight.config.ts'),
    `import { defineFeatureView, defineProject } from ${JSON.stringify(sdk)};
const view = defineFeatureView({
  name: 'orders', version: 1, featureNames: ['n'],
  initialState: () => 0, apply: () => undefined,
});
export default defineProject({ name: 'shop', views: [view], trainers: { default: { trainer: 'magic' } } });
`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hindsight --project', () => {
  it.each([['server'], ['worker']])(
    '%s refuses an invalid project, naming every problem',
    async (command) => {
      // Nothing here is reachable: the project is checked before anything is connected.
      const env = {
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
      };
      const { code, stderr } = await hindsight(
        ['--project', path.join(dir, 'invalid'), command],
        env,
      );
      expect(code).toBe(EXIT.config);
      expect(stderr).toContain(
        `${path.join(dir, 'invalid', 'hindsight.config.ts')}: the project is invalid`,
      );
      expect(stderr).toContain("view 'orders': has no eventTypes");
      expect(stderr).toContain('trainers.default.trainer: "magic" is not a trainer');
    },
  );

  it('keeps the demo to its own project', async () => {
    const { code, stderr } = await hindsight(['--project', path.join(dir, 'invalid'), 'demo']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toContain('the demo runs its own project');
    expect(stderr).toContain('hindsight --project <dir> server');
  });

  it('reads HINDSIGHT_PROJECT too, and says when the folder has no config', async () => {
    const { code, stderr } = await hindsight(['worker'], {
      HINDSIGHT_PROJECT: dir,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    expect(code).toBe(EXIT.config);
    expect(stderr).toContain(`${dir} has no hindsight.config.ts`);
  });
});
