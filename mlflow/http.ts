// Requests to one MLflow server: JSON calls to /api/2.0/mlflow/..., raw transfers for the
// artifact proxy; every attempt has a deadline, transient failures are retried with backoff.
import { errorFromResponse, errorFromTransport } from './failures.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';

/** `globalThis.fetch`, or a fake with its shape in unit tests. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** What fetch accepts as a request body. */
export type RequestBody = NonNullable<RequestInit['body']>;

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface HttpOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:5000` (a path prefix is kept). */
  trackingUri: string;
  fetch?: Fetch;
  retry?: Partial<RetryPolicy>;
  /** The deadline of one attempt of a JSON call. */
  timeoutMs?: number;
  /** Sent with every request, e.g. `{ authorization: 'Bearer …' }`. */
  headers?: Record<string, string>;
}

export interface RawRequest {
  method: HttpMethod;
  /** From the server's root, e.g. `/api/2.0/mlflow-artifacts/artifacts/1/…`. */
  path: string;
  /** Called once per attempt, since a streamed body can be read only once. */
  body?: () => RequestBody;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface MlflowHttp {
  /** A JSON call to `/api/2.0/mlflow/<endpoint>`: a query string for GET, a JSON body otherwise. */
  call<T>(method: HttpMethod, endpoint: string, payload?: Record<string, unknown>): Promise<T>;
  /** A raw request; `read` consumes a 2xx response and is retried with the request. */
  send<T>(request: RawRequest, read: (response: Response) => Promise<T>): Promise<T>;
}

const toQuery = (payload: Record<string, unknown>): string => {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      query.append(key, String(item));
    }
  }
  const text = query.toString();
  return text ? `?${text}` : '';
};

const readJson = async <T>(response: Response): Promise<T> => {
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
};

export const createMlflowHttp = ({
  trackingUri,
  fetch = globalThis.fetch,
  retry,
  timeoutMs = 30_000,
  headers = {},
}: HttpOptions): MlflowHttp => {
  const baseUrl = trackingUri.replace(/\/+$/, '');
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...retry };

  const send = <T>(request: RawRequest, read: (response: Response) => Promise<T>): Promise<T> => {
    const endpoint = `${request.method} ${request.path.split('?')[0]}`;
    return withRetry(policy, async () => {
      try {
        const body = request.body?.();
        const response = await fetch(`${baseUrl}${request.path}`, {
          method: request.method,
          headers: { ...headers, ...request.headers },
          body,
          // Needed by Node's fetch for streamed bodies.
          ...(body === undefined ? {} : { duplex: 'half' }),
          signal: AbortSignal.timeout(request.timeoutMs ?? timeoutMs),
        });
        if (!response.ok) throw await errorFromResponse(response, endpoint);
        return await read(response);
      } catch (error) {
        throw errorFromTransport(error, endpoint) ?? error;
      }
    });
  };

  const call = <T>(
    method: HttpMethod,
    endpoint: string,
    payload: Record<string, unknown> = {},
  ): Promise<T> => {
    const path = `/api/2.0/mlflow/${endpoint}`;
    if (method === 'GET') return send({ method, path: path + toQuery(payload) }, readJson<T>);
    const json = JSON.stringify(payload);
    return send(
      { method, path, body: () => json, headers: { 'content-type': 'application/json' } },
      readJson<T>,
    );
  };

  return { call, send };
};
