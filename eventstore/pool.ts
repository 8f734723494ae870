// Builds pg pools whose 64-bit integers and transaction ids come back as JS numbers.
// Only composition roots (server, worker, CLI, test setup) call this.
import pg from 'pg';

const INT8 = 20;
const XID8 = 5069;

const toSafeInteger = (text: string): number => {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`64-bit value ${text} exceeds 2^53`);
  return value;
};

const getTypeParser = (oid: number, format?: string): ((value: string) => unknown) =>
  oid === INT8 || oid === XID8
    ? toSafeInteger
    : (pg.types.getTypeParser(oid, format as 'text') as (value: string) => unknown);

const types = { getTypeParser: getTypeParser as typeof pg.types.getTypeParser };

export interface PoolOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
  /** Cancels any statement running longer (PostgreSQL's statement_timeout); none by default. */
  statementTimeoutMs?: number;
}

export const createPool = ({
  connectionString,
  max = 20,
  applicationName = 'hindsight',
  statementTimeoutMs,
}: PoolOptions): pg.Pool => {
  const pool = new pg.Pool({
    connectionString,
    max,
    types,
    application_name: applicationName,
    // A session idle inside a transaction holds back the visibility horizon for every reader.
    options:
      '-c idle_in_transaction_session_timeout=60000' +
      (statementTimeoutMs ? ` -c statement_timeout=${statementTimeoutMs}` : ''),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
};

export const createClient = (connectionString: string, applicationName = 'hindsight'): pg.Client =>
  new pg.Client({ connectionString, types, application_name: applicationName });
