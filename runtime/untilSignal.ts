// The composition roots run until the operator stops them: SIGINT or SIGTERM.
/** Resolves on the first SIGINT or SIGTERM, keeping the process alive until then. */
export function untilSignal(): Promise<NodeJS.Signals>;
export function untilSignal(abort: AbortSignal): Promise<NodeJS.Signals | null>;
/** SIGINT or SIGTERM; with `abort`, null once it aborts (and nothing keeps the process alive). */
export function untilSignal(abort?: AbortSignal): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    // Signal listeners alone do not keep Node's event loop alive.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const done = (signal: NodeJS.Signals | null): void => {
      clearInterval(keepAlive);
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      abort?.removeEventListener('abort', aborted);
      resolve(signal);
    };
    const on = (signal: NodeJS.Signals): void => done(signal);
    const aborted = (): void => done(null);
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
    if (abort?.aborted) done(null);
    else abort?.addEventListener('abort', aborted, { once: true });
  });
}
