// Loading a user's project from its folder: the demo's, a TypeScript project outside the
// repository, and each way one can be wrong, named with its file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROJECT_DIR, loadProject } from '../../runtime/project.js';
import { projectRoot } from '../../config/paths.js';
import { ProjectError } from '../../platform/project.js';

const sdk = path.join(projectRoot, 'sdk', 'index.ts');
let dir: string;

const project = async (name: string, files: Record<string, string>): Promise<string> => {
  const folder = path.join(dir, name);
  await import('node:fs/promises').then((fs) => fs.mkdir(folder, { recursive: true }));
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(folder, file), text);
  return folder;
};

const problemsLoading = async (folder: string): Promise<ProjectError> => {
  const error = await loadProject(folder).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProjectError);
  return error as ProjectError;
};

const VIEW = `
import { defineFeatureView, defineProject } from ${JSON.stringify(sdk)};
const repeatOrder = defineFeatureView({
  name: 'repeat_order',
  version: 1,
  featureNames: ['orders'],
  eventTypes: ['OrderPlaced'],
  initialState: (): Map<string, number> => new Map(),
  apply: (state, event, emit) => {
    const id: string = event.streamId;
    state.set(id, (state.get(id) ?? 0) + 1);
    emit.observe(id, { orders: state.get(id) ?? 0 });
  },
});
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hindsight-projects-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadProject', () => {
  it('loads the demo’s project, examples/work-orders, by default', async () => {
    const demo = await loadProject();
    expect(demo).toMatchObject({ name: 'work-orders', dir: DEMO_PROJECT_DIR });
    expect(demo.views.map((v) => v.name)).toEqual(['work_order_overrun']);
    expect(demo.aggregates.map((a) => a.type)).toEqual(['work-order']);
    expect(demo.upcasters.eventTypes).toEqual(['WorkOrderBlocked']);
  });

  it('loads a TypeScript project from a folder of its own', async () => {
    const folder = await project('shop', {
      'hindsight.config.ts': `${VIEW}
export default defineProject({ name: 'shop', views: [repeatOrder], trainers: { default: { trainer: 'logistic_regression' } } });
`,
    });
    const shop = await loadProject(folder);
    expect(shop.name).toBe('shop');
    expect(shop.configFile).toBe(path.join(folder, 'hindsight.config.ts'));
    expect(shop.views.map((v) => v.name)).toEqual(['repeat_order']);
    expect(shop.views[0]?.codeHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('checks a plain default export as defineProject would', async () => {
    const folder = await project('plain', {
      'hindsight.config.mjs': `export default { name: 'plain', trainers: { fast: { trainer: 'nope' } } };`,
    });
    const error = await problemsLoading(folder);
    expect(error.message).toContain(path.join(folder, 'hindsight.config.mjs'));
    expect(error.problems).toEqual([expect.stringContaining('trainers.fast.trainer: "nope"')]);
  });

  it('names every problem of an invalid project, and its file', async () => {
    const folder = await project('twice', {
      'hindsight.config.ts': `${VIEW}
export default defineProject({ name: 'twice', views: [repeatOrder, repeatOrder] });
`,
    });
    const error = await problemsLoading(folder);
    expect(error.message).toContain(
      `${path.join(folder, 'hindsight.config.ts')}: the project is invalid`,
    );
    expect(error.problems).toEqual(["views[1]: a second view named 'repeat_order'"]);
  });

  it('says why a config does not load, or is missing, or exports nothing', async () => {
    const broken = await project('broken', {
      'hindsight.config.ts': `throw new Error('no database in the config, please');\n`,
    });
    expect((await problemsLoading(broken)).problems[0]).toContain(
      'it does not load: Error: no database in the config, please',
    );
    const empty = await project('empty', { 'README.md': 'nothing here' });
    expect((await problemsLoading(empty)).problems[0]).toContain(
      'has no hindsight.config.ts, hindsight.config.mts, hindsight.config.js, hindsight.config.mjs',
    );
    const silent = await project('silent', { 'hindsight.config.js': 'export const x = 1;\n' });
    expect((await problemsLoading(silent)).problems[0]).toContain('it has no default export');
    expect((await problemsLoading(path.join(dir, 'nowhere'))).problems[0]).toContain(
      'is not a folder',
    );
  });
});
