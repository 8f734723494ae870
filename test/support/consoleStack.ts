// The web console's HTTP server over a test database, a test Temporal (with a worker) and the
// run's MLflow, plus a small fetch helper that returns the status and the parsed JSON.
import { startConsoleServer, type RunningConsole } from '../../services/console/consoleServer.js';
import { builtInViewRegistry } from '../../runtime/worker.js';
import type { TestDatabase } from './database.js';
import type { TestTemporal } from './temporal.js';

export interface ConsoleCall {
  status: number;
  body: unknown;
  contentType: string;
}

export interface TestConsole {
  server: RunningConsole;
  url: string;
  /** A call with the token (unless `token: null`), JSON body when given. */
  call(
    path: string,
    options?: { method?: string; body?: unknown; rawBody?: string; token?: string | null },
  ): Promise<ConsoleCall>;
  internalErrors: unknown[];
  close(): Promise<void>;
}

export const startTestConsole = async (
  db: TestDatabase,
  temporal: TestTemporal,
  { apiToken }: { apiToken?: string } = {},
): Promise<TestConsole> => {
  const internalErrors: unknown[] = [];
  const server = await startConsoleServer({
    deps: {
      sql: db.pool,
      store: db.store,
      temporal: temporal.client,
      namespace: 'default',
      taskQueue: temporal.taskQueue,
      mlflow: temporal.mlflow,
      views: builtInViewRegistry(),
      links: {
        temporalUi: 'http://127.0.0.1:8233',
        mlflowUi: 'http://127.0.0.1:5000',
        temporalNamespace: 'default',
      },
      onInternalError: (error) => internalErrors.push(error),
    },
    host: '127.0.0.1',
    port: 0,
    apiToken,
    version: 'test',
  });
  const call: TestConsole['call'] = async (path, options = {}) => {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? apiToken : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    return {
      status: response.status,
      contentType,
      body: contentType.startsWith('application/json') ? (JSON.parse(text) as unknown) : text,
    };
  };
  return {
    server,
    url: server.url,
    call,
    internalErrors,
    close: () => server.close(),
  };
};
