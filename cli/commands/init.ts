// `hindsight init <dir>`: a new project of the user's own, ready to test and to run: a
// package.json depending on Hindsight, hindsight.config.ts, one feature view of a small domain
// (subscriptions that may be cancelled), its unit test with the test kit, and a short README.
// The folder appears whole or not at all: it is written beside and renamed into place.
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../../config/paths.js';
import { action, UsageError } from '../errors.js';
import { exampleText, JSON_HELP, out, printJson } from '../output.js';

/** The scaffold's files besides package.json and README.md, copied as they are. */
export const TEMPLATE_DIR = path.join(projectRoot, 'templates', 'project');
const PROJECT_NAME = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;

export interface InitOptions {
  /** The project's name; default: the folder's, made lower case. */
  name?: string;
  /**
   * The dependency on Hindsight in package.json; default: this Hindsight's own folder
   * (`file:…`), which `npm install` links. Hindsight is not on the npm registry.
   */
  hindsight?: string;
}

/** The folder's name as a project name: lower case, words joined by `-`. */
export const projectNameOf = (dir: string): string =>
  path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '');

const devVersions = async (): Promise<Record<string, string>> => {
  const own = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
  };
  const pick = (name: string): string => own.devDependencies?.[name] ?? 'latest';
  return { typescript: pick('typescript'), vitest: pick('vitest') };
};

const readme = (name: string): string => `# ${name}

A [Hindsight](https://github.com/) project: feature views over your own events.

- \`hindsight.config.ts\` lists the views; \`src/subscriptionChurn.ts\` is the first one.
- \`npm test\` runs the view's tests, with Hindsight's leakage oracle and future canary.
- \`npx hindsight --project . server\` and \`npx hindsight --project . worker\` run the platform
  on this project (PostgreSQL, Temporal and MLflow as Hindsight's README says).
- Append your events over gRPC, then \`npx hindsight datasets generate subscription_churn\` and
  \`npx hindsight pipeline run subscription_churn\`.
`;

/** Writes the project into `dir`, which must not exist or be empty. Returns its files. */
export const initProject = async (dir: string, options: InitOptions = {}): Promise<string[]> => {
  const target = path.resolve(dir);
  const name = options.name ?? projectNameOf(target);
  if (!PROJECT_NAME.test(name) || name.length > 100) {
    throw new UsageError(
      `'${name}' is not a project name (lower-case words joined by - or _): give one with --name`,
    );
  }
  const existing = await readdir(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    if (error.code === 'ENOTDIR') throw new UsageError(`${target} is a file, not a folder`);
    throw error;
  });
  if (existing !== null && existing.length > 0) {
    throw new UsageError(`${target} is not empty: give a new folder for the project`);
  }
  const partial = `${target}.init-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(path.dirname(target), { recursive: true });
    await cp(TEMPLATE_DIR, partial, { recursive: true });
    const config = path.join(partial, 'hindsight.config.ts');
    await writeFile(config, (await readFile(config, 'utf8')).replace('__NAME__', name));
    const packageJson = {
      name,
      version: '0.1.0',
      private: true,
      type: 'module',
      scripts: {
        test: 'vitest run',
        typecheck: 'tsc',
        server: 'hindsight --project . server',
        worker: 'hindsight --project . worker',
      },
      dependencies: { hindsight: options.hindsight ?? `file:${projectRoot}` },
      devDependencies: await devVersions(),
    };
    await writeFile(
      path.join(partial, 'package.json'),
      `${JSON.stringify(packageJson, null, 2)}\n`,
    );
    await writeFile(path.join(partial, 'README.md'), readme(name));
    await writeFile(path.join(partial, '.gitignore'), 'node_modules/\n.data/\n');
    if (existing !== null) await rm(target, { recursive: true });
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
  const files = await readdir(target, { recursive: true, withFileTypes: true });
  return files
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(target, path.join(entry.parentPath, entry.name)))
    .sort();
};

export const registerInitCommand = (program: Command): void => {
  program
    .command('init')
    .description(
      'create a project of your own in a new folder: a config, a feature view, its test, a README',
    )
    .argument('<dir>', 'a folder that does not exist yet, or is empty')
    .option('--name <name>', "the project's name (default: the folder's)")
    .option(
      '--hindsight <spec>',
      "package.json's dependency on Hindsight (a tarball, a folder; default: this one's folder)",
    )
    .option('--json', JSON_HELP)
    .addHelpText(
      'after',
      exampleText(
        'hindsight init churn && cd churn && npm install && npm test',
        'hindsight init churn --hindsight file:../hindsight-0.1.0.tgz',
      ),
    )
    .action(
      action(async (dir: string, options: InitOptions & { json?: boolean }) => {
        const files = await initProject(dir, options);
        if (options.json) {
          printJson({ dir: path.resolve(dir), files });
          return;
        }
        out(`created ${path.resolve(dir)}:`);
        for (const file of files) out(`  ${file}`);
        out(`next: cd ${dir} && npm install && npm test`);
      }),
    );
};
