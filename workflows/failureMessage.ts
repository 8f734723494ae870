/** The innermost message of a failure: activity and child failures wrap the one that matters. */
export const failureMessage = (error: unknown): string => {
  let cause = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(error);
};
