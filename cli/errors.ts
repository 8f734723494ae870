// How the CLI reports failures: a message on stderr (one line, and one more per field at fault)
// and a distinct exit code. The exit codes are listed here once; `hindsight exit-codes` and the
// top-level help print this table.
import { status, type Metadata } from '@grpc/grpc-js';
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../config/env.js';
import { ProjectError } from '../platform/project.js';
import { HindsightError } from '../platform/errors.js';
import { ValidationError } from '../eventstore/index.js';
import { decodeStatusDetails } from '../services/grpc/statusDetails.js';
import { UnavailableError } from '../runtime/unavailableError.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, unavailable: 69, config: 78 } as const;

/** Every exit code of every command, with what it means. */
export const EXIT_CODES: readonly { code: number; name: keyof typeof EXIT; meaning: string }[] = [
  { code: EXIT.ok, name: 'ok', meaning: 'done' },
  {
    code: EXIT.failure,
    name: 'failure',
    meaning:
      'the call was refused or failed (the message names the gRPC status: NOT_FOUND, ' +
      'FAILED_PRECONDITION, INVALID_ARGUMENT, UNAUTHENTICATED…), the pipeline, migration or ' +
      'run followed to its end did not complete, or an unexpected error',
  },
  {
    code: EXIT.usage,
    name: 'usage',
    meaning:
      'bad usage: unknown command or option, missing or malformed argument, or a request ' +
      'refused before it ran (unknown feature view, malformed or future cut)',
  },
  {
    code: EXIT.unavailable,
    name: 'unavailable',
    meaning: 'a service is unreachable: the gRPC server (HINDSIGHT_SERVER) or Temporal',
  },
  {
    code: EXIT.config,
    name: 'config',
    meaning: 'bad configuration: an environment variable has an invalid value (it is named)',
  },
];

/** Words wrapped to lines of at most `width` characters. */
const wrap = (text: string, width: number): string[] =>
  text.split(' ').reduce<string[]>((lines, word) => {
    const last = lines.at(-1);
    if (last !== undefined && `${last} ${word}`.length <= width)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
    return lines;
  }, []);

/** The exit-code table as help text, wrapped to 80 columns. */
export const exitCodesHelp = (indent = '  '): string =>
  EXIT_CODES.map(({ code, meaning }) =>
    wrap(meaning, 76 - indent.length)
      .map((line, i) => `${indent}${i === 0 ? String(code).padEnd(4) : '    '}${line}`)
      .join('\n'),
  ).join('\n');

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A service the command needs is not reachable: exit 69 (EX_UNAVAILABLE). */
export { UnavailableError };

/**
 * For commander option and argument parsers: a malformed value is a usage error (exit 2) that
 * commander reports with the option's name, not an exception out of the parser.
 */
export const usageParser =
  <T>(parse: (text: string) => T) =>
  (text: string): T => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof UsageError || error instanceof ValidationError) {
        throw new InvalidArgumentError(error.message);
      }
      throw error;
    }
  };

interface GrpcFailure {
  code: status;
  details: string;
  metadata?: Metadata;
}

const isServiceError = (error: unknown): error is GrpcFailure =>
  typeof error === 'object' &&
  error !== null &&
  'code' in error &&
  'details' in error &&
  typeof (error as { code: unknown }).code === 'number';

/**
 * The gRPC failure behind an error: the client's HindsightError carries grpc-js's ServiceError as
 * its cause, whose status, details and trailers the CLI reports as they came.
 */
const grpcFailureOf = (error: unknown): GrpcFailure | null => {
  if (isServiceError(error)) return error;
  if (error instanceof HindsightError && isServiceError(error.cause)) return error.cause;
  return null;
};

/** grpc-js's words for "no connection": the server is not there, not a refusal from it. */
const NO_CONNECTION = /No connection established|ECONNREFUSED|ENOTFOUND|resolution failed/i;

/** What to do about a gRPC failure, when there is something obvious. */
const hintFor = (error: GrpcFailure): string => {
  const server = process.env.HINDSIGHT_SERVER || 'localhost:50051';
  if (error.code === status.UNAVAILABLE && NO_CONNECTION.test(error.details)) {
    return ` (is the server running at ${server}? start it with \`hindsight server\`, or set HINDSIGHT_SERVER)`;
  }
  if (error.code === status.UNAUTHENTICATED) {
    return " (set HINDSIGHT_API_TOKEN to the server's token)";
  }
  return '';
};

/**
 * A gRPC failure in words: its code, the ErrorInfo reason when it says more than the code (e.g.
 * `NOT_FOUND (MODEL_NOT_FOUND): model 'x' not found`), the message, a hint, then one line per
 * BadRequest field violation that the message does not already say.
 */
export const describeGrpcError = (error: GrpcFailure): string => {
  // grpc-js ends some details with an empty "Resolution note:".
  const details = error.details.replace(/\.?\s*Resolution note:\s*$/, '');
  const code = status[error.code] ?? `code ${error.code}`;
  const decoded = decodeStatusDetails(error.metadata);
  const reason = decoded?.reason && decoded.reason !== code ? ` (${decoded.reason})` : '';
  const violations = (decoded?.violations ?? [])
    .filter(({ description }) => description === '' || !details.includes(description))
    .map(({ field, description }) => `\n  ${field}: ${description || 'is at fault'}`);
  return `${code}${reason}: ${details}${hintFor(error)}${violations.join('')}`;
};

export const reportError = (error: unknown): number => {
  if (error instanceof ConfigError || error instanceof ProjectError) {
    process.stderr.write(`hindsight: ${error.message}\n`);
    return EXIT.config;
  }
  if (error instanceof UsageError || error instanceof ValidationError) {
    process.stderr.write(`hindsight: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof UnavailableError) {
    process.stderr.write(`hindsight: ${error.message}\n`);
    return EXIT.unavailable;
  }
  const failure = grpcFailureOf(error);
  if (failure) {
    process.stderr.write(`hindsight: ${describeGrpcError(failure)}\n`);
    return failure.code === status.UNAVAILABLE ? EXIT.unavailable : EXIT.failure;
  }
  process.stderr.write(`hindsight: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT.failure;
};

/** Wraps a command's action so that every failure ends the process with a clear message. */
export const action =
  <Args extends unknown[]>(fn: (...args: Args) => Promise<void>) =>
  async (...args: Args): Promise<void> => {
    try {
      await fn(...args);
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
