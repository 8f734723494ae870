// The fetch wrapper: JSON in and out, the bearer token from localStorage, and every non-2xx
// answer turned into an ApiFailure carrying the server's `{ error: { code, message, field } }`.
import type { ApiError } from '../../services/console/api.js';

const TOKEN_KEY = 'hindsight.token';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | undefined,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

let unauthorizedHandler: (() => void) | null = null;

/** Called on every 401 (before the call's promise rejects): main shows the token form. */
export const setUnauthorizedHandler = (handler: () => void): void => {
  unauthorizedHandler = handler;
};

export const isUnauthorized = (error: unknown): boolean =>
  error instanceof ApiFailure && error.status === 401;

export const getToken = (): string | null => {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
};

export const setToken = (token: string | null): void => {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage disabled: the token then lasts as long as the page.
  }
};

export type QueryValue = string | number | null | undefined;

/** `/api/<segments, each URL-encoded>?<non-empty query values>`. */
export const apiPath = (segments: string[], query: Record<string, QueryValue> = {}): string => {
  const path = `/api/${segments.map(encodeURIComponent).join('/')}`;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
};

const isApiError = (value: unknown): value is ApiError =>
  typeof value === 'object' &&
  value !== null &&
  'error' in value &&
  typeof (value as ApiError).error === 'object' &&
  (value as ApiError).error !== null &&
  typeof (value as ApiError).error.message === 'string';

const request = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiFailure(
      0,
      'UNAVAILABLE',
      `the console server did not answer (${(error as Error).message})`,
      undefined,
      path,
    );
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    if (response.status === 401) unauthorizedHandler?.();
    if (isApiError(parsed)) {
      throw new ApiFailure(
        response.status,
        parsed.error.code,
        parsed.error.message,
        parsed.error.field,
        path,
      );
    }
    throw new ApiFailure(
      response.status,
      `HTTP_${response.status}`,
      text.slice(0, 300) || response.statusText,
      undefined,
      path,
    );
  }
  if (parsed === undefined) {
    throw new ApiFailure(response.status, 'INTERNAL', 'the answer is not JSON', undefined, path);
  }
  return parsed as T;
};

export const getJson = <T>(path: string): Promise<T> => request<T>('GET', path);

export const postJson = <T>(path: string, body: unknown): Promise<T> =>
  request<T>('POST', path, body);
