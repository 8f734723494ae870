// Waiting helpers shared by the integration tests.
import type { ServiceError } from '@grpc/grpc-js';

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` (which may be asynchronous) every 20 ms; fails naming `what` after `timeoutMs`. */
export const waitFor = async (
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

/** The error a call was rejected with; fails if it succeeded or failed with another kind. */
export const rejectionWith = async <E extends Error>(
  kind: new (...args: never[]) => E,
  promise: Promise<unknown>,
): Promise<E> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error('expected the call to fail, but it succeeded');
};

/** The gRPC error a call was rejected with; fails if it succeeded. */
export const rejectionOf = async (promise: Promise<unknown>): Promise<ServiceError> => {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail, but it succeeded');
};
