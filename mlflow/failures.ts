// Maps what can go wrong on the wire to MlflowError: MLflow's JSON error bodies, bare HTTP
// statuses (a proxy's error page), and network failures that never reached MLflow.
import { MlflowError, type MlflowErrorCode } from './errors.js';

const codeForStatus = (status: number): MlflowErrorCode => {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'ENDPOINT_NOT_FOUND';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  if (status === 504 || status === 408) return 'DEADLINE_EXCEEDED';
  return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
};

export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 429 || status >= 500;

// Retry-After is either seconds or an HTTP date.
const parseRetryAfter = (header: string | null): number | undefined => {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
};

interface MlflowErrorBody {
  error_code?: unknown;
  message?: unknown;
}

const parseErrorBody = (text: string): MlflowErrorBody => {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null ? body : {};
  } catch {
    return {};
  }
};

/** The error for a non-2xx answer; reads (and so consumes) the response body. */
export const errorFromResponse = async (
  response: Response,
  endpoint: string,
): Promise<MlflowError> => {
  const text = await response.text();
  const body = parseErrorBody(text);
  const errorCode =
    typeof body.error_code === 'string' ? body.error_code : codeForStatus(response.status);
  const detail =
    typeof body.message === 'string'
      ? body.message
      : text.trim().slice(0, 300) || response.statusText;
  return new MlflowError({
    errorCode,
    message: `${endpoint}: ${response.status} ${errorCode}: ${detail}`,
    httpStatus: response.status,
    retryable: isRetryableStatus(response.status),
    endpoint,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
};

// Socket-level failures worth another try; anything else (a bad URL, an unreadable upload file)
// would fail the same way again.
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

// fetch wraps the socket error: TypeError('fetch failed', { cause }), where the cause may be an
// AggregateError of one error per address tried.
const causeCodes = (error: unknown, depth = 0): string[] => {
  if (typeof error !== 'object' || error === null || depth > 5) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  const nested = Array.isArray(errors) ? errors.flatMap((e) => causeCodes(e, depth + 1)) : [];
  return [...(typeof code === 'string' ? [code] : []), ...causeCodes(cause, depth + 1), ...nested];
};

const describe = (error: unknown): string => {
  const codes = causeCodes(error);
  const message = error instanceof Error ? error.message : String(error);
  return codes.length > 0 ? `${message} (${[...new Set(codes)].join(', ')})` : message;
};

/**
 * The MlflowError for a failure that got no HTTP answer, or null when it is not a transport
 * failure (the caller then rethrows it as it is).
 */
export const errorFromTransport = (error: unknown, endpoint: string): MlflowError | null => {
  if (error instanceof MlflowError) return error;
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new MlflowError({
      errorCode: 'DEADLINE_EXCEEDED',
      message: `${endpoint}: no answer in time: ${error.message}`,
      httpStatus: null,
      retryable: true,
      endpoint,
      cause: error,
    });
  }
  const codes = causeCodes(error);
  const transient =
    codes.length > 0
      ? codes.some((code) => TRANSIENT_CODES.has(code))
      : error instanceof TypeError && /^(fetch failed|terminated)$/.test(error.message);
  if (!transient) return null;
  return new MlflowError({
    errorCode: 'TEMPORARILY_UNAVAILABLE',
    message: `${endpoint}: MLflow unreachable: ${describe(error)}`,
    httpStatus: null,
    retryable: true,
    endpoint,
    cause: error,
  });
};
