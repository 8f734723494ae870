// Loading a user's project: the folder `--project` (or HINDSIGHT_PROJECT) names, its
// `hindsight.config.ts` (through tsx) or `.js`, default-exporting `defineProject(...)`. A project
// that does not load or is invalid stops the command with a message saying why and where.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../config/env.js';
import { projectRoot } from '../config/paths.js';
import { defineProject, ProjectError, type Project } from '../platform/project.js';

/** The file names a project's config may have, in the order they are looked for. */
export const PROJECT_CONFIG_FILES = [
  'hindsight.config.ts',
  'hindsight.config.mts',
  'hindsight.config.js',
  'hindsight.config.mjs',
] as const;

/** The demo's project, which a command without `--project` runs. */
export const DEMO_PROJECT_DIR = path.join(projectRoot, 'examples', 'work-orders');

export interface LoadedProject extends Project {
  /** The project's folder, absolute. */
  readonly dir: string;
  /** Its config file, absolute. */
  readonly configFile: string;
}

/** A ProjectError, also from another copy of this package (the project's own dependency). */
const projectProblems = (error: unknown): readonly string[] | null =>
  error instanceof Error &&
  error.name === 'ProjectError' &&
  Array.isArray((error as ProjectError).problems)
    ? (error as ProjectError).problems
    : null;

const isFile = (file: string): Promise<boolean> =>
  stat(file).then(
    (s) => s.isFile(),
    () => false,
  );

const importConfig = async (file: string): Promise<unknown> => {
  const url = pathToFileURL(file).href;
  if (file.endsWith('.ts') || file.endsWith('.mts')) {
    // TypeScript through tsx, for this import only: nothing else of the process changes.
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(url, import.meta.url);
  }
  return import(url);
};

/** The project's folder: HINDSIGHT_PROJECT (which `--project` sets), or the demo's. */
export const projectDirOf = (config: Pick<Config, 'HINDSIGHT_PROJECT'>): string =>
  config.HINDSIGHT_PROJECT ?? DEMO_PROJECT_DIR;

/** Loads and checks the project in `dir` (default: the demo's). */
export const loadProject = async (dir: string = DEMO_PROJECT_DIR): Promise<LoadedProject> => {
  const root = path.resolve(dir);
  const folder = await stat(root).catch(() => null);
  if (!folder?.isDirectory()) {
    throw new ProjectError([`${root} is not a folder: give the folder of hindsight.config.ts`]);
  }
  let configFile: string | undefined;
  for (const name of PROJECT_CONFIG_FILES) {
    if (await isFile(path.join(root, name))) {
      configFile = path.join(root, name);
      break;
    }
  }
  if (configFile === undefined) {
    throw new ProjectError([
      `${root} has no ${PROJECT_CONFIG_FILES.join(', ')}: create one with \`hindsight init\``,
    ]);
  }
  let loaded: { default?: unknown };
  try {
    loaded = (await importConfig(configFile)) as { default?: unknown };
  } catch (error) {
    const problems = projectProblems(error);
    if (problems) throw new ProjectError(problems, configFile);
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    throw new ProjectError([`it does not load: ${detail}`], configFile);
  }
  // A .ts file outside an ESM package loads as CommonJS: its default export sits one level down.
  const outer = loaded.default as { __esModule?: boolean; default?: unknown } | undefined;
  const exported = outer?.__esModule === true ? outer.default : outer;
  if (exported === undefined) {
    throw new ProjectError(
      ['it has no default export: `export default defineProject({ … })`'],
      configFile,
    );
  }
  let project: Project;
  try {
    project = defineProject(exported as never);
  } catch (error) {
    const problems = projectProblems(error);
    if (problems) throw new ProjectError(problems, configFile);
    throw error;
  }
  return Object.freeze({ ...project, dir: root, configFile });
};
