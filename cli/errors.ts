// How the CLI reports failures: a one-line message on stderr and a distinct exit code.
import { status } from '@grpc/grpc-js';
import { ConfigError } from '../config/env.js';
import { ValidationError } from '../eventstore/errors.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, unavailable: 69, config: 78 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A service the command needs is not reachable: exit 69 (EX_UNAVAILABLE). */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

const isServiceError = (error: unknown): error is { code: status; details: string } =>
  typeof error === 'object' &&
  error !== null &&
  'code' in error &&
  'details' in error &&
  typeof (error as { code: unknown }).code === 'number';

export const reportError = (error: unknown): number => {
  if (error instanceof ConfigError) {
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
  if (isServiceError(error)) {
    process.stderr.write(`hindsight: ${status[error.code]}: ${error.details}\n`);
    return error.code === status.UNAVAILABLE ? EXIT.unavailable : EXIT.failure;
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
