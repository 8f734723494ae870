// Catching what a call throws, to assert on the error itself.
import { expect } from 'vitest';

/** Runs `fn`, which must throw an instance of `kind`, and returns that error. */
export const thrownBy = <E extends Error>(
  kind: new (...args: never[]) => E,
  fn: () => unknown,
): E => {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(kind);
  return thrown as E;
};

/** Awaits `promise`, which must reject with an instance of `kind`, and returns that error. */
export const rejectionOf = async <E extends Error>(
  kind: new (...args: never[]) => E,
  promise: Promise<unknown>,
): Promise<E> => {
  const rejected = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(rejected).toBeInstanceOf(kind);
  return rejected as E;
};
