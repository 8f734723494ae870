// The console's HTTP server: the JSON API (routes.ts) and the browser assets (web/, and the
// bundle make builds into dist/web/). Every answer to bad input is a 4xx with a JSON error;
// only a fault of ours is a 500, and it is logged.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../config/paths.js';
import { createTokenCheck, type TokenProblem } from '../bearerToken.js';
import type { Meta } from './api.js';
import type { ConsoleDeps } from './deps.js';
import { HttpError, toHttpError } from './httpError.js';
import { checkQueryNames, createRoutes, type Route } from './routes.js';
import { skippedEventsMetric } from '../../platform/skippedEvents.js';

export interface ConsoleServerOptions {
  deps: ConsoleDeps;
  host: string;
  port: number;
  apiToken?: string | undefined;
  version: string;
}

export interface RunningConsole {
  port: number;
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const CLOSE_GRACE_MS = 5_000;

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'web/index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'web/index.html', type: 'text/html; charset=utf-8' },
  '/assets/style.css': { file: 'web/style.css', type: 'text/css; charset=utf-8' },
  '/assets/app.js': { file: 'dist/web/app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.js.map': { file: 'dist/web/app.js.map', type: 'application/json' },
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
};

const bodyTooLarge = (): HttpError =>
  new HttpError(413, 'RESOURCE_EXHAUSTED', `body over ${MAX_BODY_BYTES} bytes`, {
    reason: 'BODY_TOO_LARGE',
  });

const readBody = (request: http.IncomingMessage): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > MAX_BODY_BYTES) {
      reject(bodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(bodyTooLarge());
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        resolve({});
        return;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        reject(
          new HttpError(400, 'INVALID_ARGUMENT', `body is not JSON: ${(error as Error).message}`, {
            reason: 'BODY_NOT_JSON',
          }),
        );
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        reject(
          new HttpError(400, 'INVALID_ARGUMENT', 'body must be a JSON object', {
            reason: 'BODY_NOT_JSON',
          }),
        );
        return;
      }
      resolve(value as Record<string, unknown>);
    });
  });

/** The same reason as the gRPC API's refusal: TOKEN_MISSING, TOKEN_MALFORMED, TOKEN_INVALID. */
const unauthenticated = ({ reason, message }: TokenProblem): HttpError =>
  new HttpError(401, 'UNAUTHENTICATED', message, { reason });

export const startConsoleServer = async ({
  deps,
  host,
  port,
  apiToken,
  version,
}: ConsoleServerOptions): Promise<RunningConsole> => {
  const meta: Meta = { tokenRequired: Boolean(apiToken), links: deps.links, version };
  const routes = createRoutes(meta);
  const checkToken = apiToken ? createTokenCheck(apiToken, 'header') : null;

  const authorize = (request: http.IncomingMessage, route: Route): void => {
    if (!checkToken || route.open) return;
    const problem = checkToken(request.headers.authorization);
    if (problem !== null) throw unauthenticated(problem);
  };

  const send = (
    response: http.ServerResponse,
    status: number,
    body: string | Buffer,
    type: string,
    extra: Record<string, string> = {},
  ): void => {
    response.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-cache',
      ...SECURITY_HEADERS,
      ...extra,
    });
    response.end(body);
  };

  const sendJson = (response: http.ServerResponse, status: number, value: unknown): void =>
    send(response, status, JSON.stringify(value), 'application/json; charset=utf-8');

  const serveApi = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
  ): Promise<void> => {
    const matching = routes
      .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
      .filter((m) => m.match !== null);
    if (matching.length === 0) {
      throw new HttpError(404, 'NOT_FOUND', `no route ${url.pathname}`, {
        reason: 'ROUTE_NOT_FOUND',
      });
    }
    const found = matching.find(({ route }) => route.method === request.method);
    if (!found?.match) {
      throw new HttpError(
        405,
        'METHOD_NOT_ALLOWED',
        `${request.method ?? ''} is not allowed on ${url.pathname}; use ${matching.map((m) => m.route.method).join(' or ')}`,
      );
    }
    const { route, match } = found;
    authorize(request, route);
    let body: Record<string, unknown> = {};
    if (route.method === 'POST') {
      const type = request.headers['content-type'] ?? '';
      // JSON only: a cross-site form cannot send it without a CORS preflight, which we refuse.
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
      }
      body = await readBody(request);
    }
    const params = match.slice(1).map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new HttpError(400, 'INVALID_ARGUMENT', `'${segment}' is not a valid URL segment`, {
          reason: 'INVALID_ARGUMENT',
        });
      }
    });
    checkQueryNames(route, url.searchParams);
    const result = await route.handle(deps, { params, query: url.searchParams, body });
    sendJson(response, 200, result);
  };

  /** Prometheus' text format; behind the token like the API (scrapers send it as a bearer). */
  const serveMetrics = (
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> =>
    // In a promise, so that a refusal rejects (and is answered) rather than throws past it.
    Promise.resolve().then(() => {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        throw new HttpError(
          405,
          'METHOD_NOT_ALLOWED',
          `${request.method ?? ''} is not allowed on /metrics; use GET`,
        );
      }
      if (checkToken) {
        const problem = checkToken(request.headers.authorization);
        if (problem !== null) throw unauthenticated(problem);
      }
      send(response, 200, skippedEventsMetric(), 'text/plain; version=0.0.4; charset=utf-8');
    });

  const serveAsset = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
  ): Promise<void> => {
    const asset = ASSETS[url.pathname];
    if (!asset) {
      throw new HttpError(404, 'NOT_FOUND', `no page ${url.pathname}`, {
        reason: 'ROUTE_NOT_FOUND',
      });
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method ?? ''} is not allowed here`);
    }
    const content = await readFile(path.join(projectRoot, asset.file)).catch(() => {
      throw new HttpError(
        503,
        'UNAVAILABLE',
        `${asset.file} is missing: run \`make build\` to build the console`,
        { reason: 'CONSOLE_NOT_BUILT' },
      );
    });
    send(response, 200, content, asset.type);
  };

  const server = http.createServer((request, response) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://console');
    } catch {
      sendJson(response, 400, {
        error: { code: 'INVALID_ARGUMENT', reason: 'INVALID_ARGUMENT', message: 'malformed URL' },
      });
      return;
    }
    const serve =
      url.pathname === '/metrics'
        ? serveMetrics
        : url.pathname.startsWith('/api/')
          ? serveApi
          : serveAsset;
    serve(request, response, url).catch((error: unknown) => {
      const { httpStatus, body } = toHttpError(error, deps.onInternalError);
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const extra: Record<string, string> =
        httpStatus === 401 ? { 'www-authenticate': 'Bearer realm="hindsight"' } : {};
      send(response, httpStatus, JSON.stringify(body), 'application/json; charset=utf-8', extra);
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    port: bound,
    url: `http://${shownHost}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still open after a grace period (a client that never reads) are cut.
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      }),
  };
};
