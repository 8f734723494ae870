// Which failures of the database are worth waiting out: the connection was refused, lost or
// reset, or PostgreSQL is starting, shutting down or recovering. Anything else (a bug, bad
// input, a closed pool) would fail again the same way and is reported at once.

const NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs: admin/crash shutdown, cannot connect now, too many connections, out of memory. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);

// node-postgres reports a lost or unusable connection without a code.
const LOST_CONNECTION =
  /connection terminated|connection error|not queryable|timeout exceeded when trying to connect|terminating connection|server closed the connection/i;

const isTransientAlone = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NODE_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08')) return true;
  }
  return LOST_CONNECTION.test(error.message);
};

/** True when the error (or one it wraps) says the database could not be reached for now. */
export const isTransientDatabaseError = (error: unknown): boolean => {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    if (isTransientAlone(cause)) return true;
    if (cause instanceof AggregateError && cause.errors.some(isTransientAlone)) return true;
    cause = cause.cause;
  }
  return false;
};
