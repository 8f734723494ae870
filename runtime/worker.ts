// The Temporal worker: the composition root that builds the activities' real dependencies and
// runs every workflow of `workflows/` on one task queue.
import {
  DefaultLogger,
  type NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundle,
  type WorkflowBundleOption,
  type WorkerOptions,
} from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../config/logger.js';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { createFeatureViewRegistry } from '../ml/featureViewRegistry.js';
import { migrateLiveEvaluation } from '../ml/monitoring/liveEvaluationSchema.js';
import { projectRoot } from '../config/paths.js';
import { workOrderOverrunView } from '../examples/work-orders/src/workOrderOverrunView.js';
import type { AnyFeatureView } from '../ml/featureView.js';
import { SEARCH_ATTRIBUTE_NAMES } from '../workflows/searchAttributeKeys.js';

/** The workflows' entry: the sources under tsx, the build under dist/. */
export const workflowsPath = (): string => {
  const built = fileURLToPath(new URL('../workflows/index.js', import.meta.url));
  return existsSync(built)
    ? built
    : fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
};

/**
 * The bundle `make build` writes beside the built workflows (`dist/workflow-bundle.js`), when it
 * is at least as new as they are. A worker that uses it skips webpack, its time and its memory.
 */
export const prebuiltBundlePath = (): string | undefined => {
  const bundle = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
  const entry = fileURLToPath(new URL('../workflows/index.js', import.meta.url));
  if (!existsSync(bundle) || !existsSync(entry)) return undefined;
  return statSync(bundle).mtimeMs >= statSync(entry).mtimeMs ? bundle : undefined;
};

/** Where `make build` writes the bundle. */
export const bundleOutputPath = (): string =>
  fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/** Bundles the workflows (about a second): at build time, or once per worker or test run. */
export const bundleWorkflows = (): Promise<WorkflowBundle> =>
  bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundler });

const quietBundler = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`workflow bundle: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundle: ${message}\n`),
  log: () => undefined,
};

let runtimeLogging: Logger | 'quiet' | undefined;

/**
 * Sends the Temporal SDK's own logs to our logger (or, `quiet`, only its errors to stderr).
 * The SDK's runtime is per process and takes its logger once: the first call decides.
 */
export const installTemporalLogging = (logger: Logger | 'quiet'): void => {
  if (runtimeLogging) return;
  runtimeLogging = logger;
  Runtime.install({
    logger:
      logger === 'quiet'
        ? new DefaultLogger('ERROR')
        : new DefaultLogger('INFO', ({ level, message, meta }) => {
            const method = level === 'TRACE' ? 'trace' : (level.toLowerCase() as 'info');
            logger[method]({ ...meta, component: 'temporal' }, message);
          }),
  });
};

/** The demo project's feature views (examples/work-orders), for tests and benchmarks. */
export const builtInViews = (): AnyFeatureView[] => [workOrderOverrunView];

export const builtInViewRegistry = () => createFeatureViewRegistry(builtInViews());

/** HINDSIGHT_GIT_COMMIT, or the checkout's HEAD, or `unknown` (e.g. in an image without git). */
export const gitCommitOf = (configured: string | undefined): string => {
  if (configured) return configured;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: projectRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
};

export interface HindsightWorkerOptions {
  connection: WorkerOptions['connection'];
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A bundle made before (tests share one); by default the worker bundles the workflows. */
  workflowBundle?: WorkflowBundleOption;
  /** Batches and publications run at once on this worker. */
  maxConcurrentActivities?: number;
}

const prebuiltBundle = (): WorkflowBundleOption | undefined => {
  const codePath = prebuiltBundlePath();
  return codePath === undefined ? undefined : { codePath };
};

/**
 * Registers the search attributes the workflows set (searchAttributeKeys.ts) that the namespace
 * lacks: a workflow upserting an unknown one fails every task, so a worker never polls before
 * they exist. Registered ones are left as they are; a server that refuses says so at once.
 */
/** `IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD` of Temporal's API. */
const KEYWORD = 2;

export const ensureSearchAttributes = async (
  connection: NativeConnection,
  namespace: string,
): Promise<void> => {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({
    namespace,
  });
  const missing = SEARCH_ATTRIBUTE_NAMES.filter(
    (name) => !Object.hasOwn(customAttributes ?? {}, name),
  );
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
  });
};

export const createHindsightWorker = async ({
  connection,
  namespace,
  taskQueue,
  deps,
  workflowBundle,
  maxConcurrentActivities = 4,
}: HindsightWorkerOptions): Promise<Worker> => {
  if (connection) await ensureSearchAttributes(connection, namespace);
  // The live evaluation projection owns its tables: they exist before its activities run.
  await migrateLiveEvaluation(deps.pool);
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowBundle: workflowBundle ?? prebuiltBundle() ?? (await bundleWorkflows()),
    activities: createActivities(deps),
    maxConcurrentActivityTaskExecutions: maxConcurrentActivities,
  });
};
