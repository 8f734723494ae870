import type { Client } from '@temporalio/client';

/**
 * A Temporal call with a gRPC deadline: it is cancelled, not left running, when the time is up
 * (a call left to retry after its connection closed throws from a timer and ends the process).
 */
export const temporalWithin = <T>(client: Client, ms: number, call: () => Promise<T>): Promise<T> =>
  client.withDeadline(Date.now() + ms, call);

/** The promise's outcome, or a rejection once `ms` have passed (the work itself goes on). */
export const withDeadline = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
