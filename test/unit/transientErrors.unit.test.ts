// Which database failures are waited out (live readers retry them, gRPC answers UNAVAILABLE so
// clients retry) and which are not: the errors node-postgres gives while PostgreSQL is down,
// crashing or recovering, against bugs and bad input.
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../eventstore/errors.js';
import { isTransientDatabaseError } from '../../eventstore/transientErrors.js';
import { toStatusError } from '../../services/grpc/status.js';

const withCode = (message: string, code: string): Error =>
  Object.assign(new Error(message), { code });

const transient: [string, unknown][] = [
  ['refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
  [
    'refused on every address',
    new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''),
  ],
  // A backend killed mid-query: node-postgres gives no code.
  ['terminated', new Error('Connection terminated unexpectedly')],
  [
    'crash shutdown',
    withCode('terminating connection because of crash of another server process', '57P02'),
  ],
  ['recovering', withCode('the database system is starting up', '57P03')],
  [
    'wrapped',
    new Error('the log reader is reconnecting', { cause: new Error('Connection terminated') }),
  ],
];

const lasting: [string, unknown][] = [
  ['a closed pool', new Error('Cannot use a pool after calling end on the pool')],
  ['bad SQL', withCode('syntax error at or near "selec"', '42601')],
  ['bad input', new ValidationError('stream_id', 'is required')],
  ['not an error', 'ECONNREFUSED'],
];

describe('isTransientDatabaseError', () => {
  it.each(transient)('waits out %s', (_, error) => {
    expect(isTransientDatabaseError(error)).toBe(true);
  });
  it.each(lasting)('does not wait out %s', (_, error) => {
    expect(isTransientDatabaseError(error)).toBe(false);
  });
  it('makes a connection lost mid-call UNAVAILABLE at the gRPC boundary, not INTERNAL', () => {
    const mapped = toStatusError(new Error('Connection terminated unexpectedly'), () => undefined);
    expect(mapped.code).toBe(status.UNAVAILABLE);
  });
});
