// Query and body parameters, checked: a wrong type or range is a 400 naming the parameter.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { badRequest } from './httpError.js';

export type Query = URLSearchParams;

const single = (query: Query, name: string): string | undefined => {
  const values = query.getAll(name);
  if (values.length > 1) throw badRequest(name, 'give it once');
  const value = values[0];
  return value === undefined || value === '' ? undefined : value;
};

export const textParam = (
  query: Query,
  name: string,
  { pattern, max = 200 }: { pattern?: RegExp; max?: number } = {},
): string | undefined => {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (value.length > max) throw badRequest(name, `at most ${max} characters`);
  if (pattern && !pattern.test(value)) throw badRequest(name, `'${value}' is not valid`);
  return value;
};

export const intParam = (
  query: Query,
  name: string,
  { min, max, fallback }: { min: number; max: number; fallback?: number },
): number | undefined => {
  const value = single(query, name);
  if (value === undefined) return fallback;
  if (!/^-?\d{1,16}$/.test(value)) throw badRequest(name, `'${value}' is not an integer`);
  const number = Number(value);
  if (number < min || number > max) throw badRequest(name, `must be between ${min} and ${max}`);
  return number;
};

export const enumParam = <T extends string>(
  query: Query,
  name: string,
  allowed: readonly T[],
): T | undefined => {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw badRequest(name, `'${value}' is not one of ${allowed.join(', ')}`);
  }
  return value as T;
};

/** The page size of a list: 1 to 200, 50 by default. */
export const pageSizeParam = (query: Query, fallback = 50): number =>
  intParam(query, 'pageSize', { min: 1, max: 200, fallback }) ?? fallback;

/** An opaque page token: base64url of JSON or bytes, checked by whoever decodes it. */
export const pageParam = (query: Query): string | undefined =>
  textParam(query, 'page', { pattern: /^[A-Za-z0-9_-]+$/, max: 4096 });

export const encodePage = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

export const decodePage = <T>(
  token: string | undefined,
  check: (value: unknown) => T,
): T | null => {
  if (token === undefined) return null;
  try {
    return check(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown);
  } catch {
    throw badRequest('page', 'is not a page token from this list');
  }
};

/** A JSON body field that must be a string of 1..max characters. */
export const bodyText = (
  body: Record<string, unknown>,
  name: string,
  { max, optional = false }: { max: number; optional?: boolean },
): string | undefined => {
  const value = body[name];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string') throw badRequest(name, 'must be a string');
  if ((!optional && value.trim() === '') || value.length > max) {
    throw badRequest(name, `must have 1 to ${max} characters`);
  }
  return value;
};

// Page tokens of Temporal and MLflow are theirs to read, and a made-up one makes them fail in
// ways that look like their fault. Sealed with this process's key, a token is checked here first.
const SEAL_KEY = randomBytes(32);
const MAC_BYTES = 12;

// The list's name is under the MAC too: one list's token is refused by another.
const macOf = (list: string, bytes: Uint8Array): Buffer =>
  createHmac('sha256', SEAL_KEY).update(`${list}\n`).update(bytes).digest().subarray(0, MAC_BYTES);

export const sealPage = (list: string, bytes: Uint8Array | null | undefined): string | null =>
  bytes && bytes.length > 0
    ? Buffer.concat([macOf(list, bytes), Buffer.from(bytes)]).toString('base64url')
    : null;

/** The bytes of a page token sealed for this list; any other token is a 400. */
export const openPage = (list: string, token: string | undefined): Buffer | undefined => {
  if (token === undefined) return undefined;
  const sealed = Buffer.from(token, 'base64url');
  const bytes = sealed.subarray(MAC_BYTES);
  if (
    sealed.length <= MAC_BYTES ||
    !timingSafeEqual(sealed.subarray(0, MAC_BYTES), macOf(list, bytes))
  ) {
    throw badRequest('page', 'is not a page token from this list (or the server restarted)');
  }
  return bytes;
};
