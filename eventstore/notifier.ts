// One LISTEN connection per process wakes every live reader when an append commits.
// Notifications are hints: readers still poll, so a lost connection only costs latency.
import type pg from 'pg';

export const EVENTS_CHANNEL = 'hindsight_events';

export interface LogNotifier {
  /** Changes whenever an append may have committed. */
  generation(): number;
  /** Resolves once the generation differs from `since`, after `timeoutMs`, or on abort. */
  waitForChange(since: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export const createLogNotifier = (
  connect: () => pg.Client,
  onError: (error: Error) => void = () => undefined,
): LogNotifier => {
  let generation = 0;
  let client: pg.Client | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  const waiters = new Set<() => void>();

  const bump = (): void => {
    generation += 1;
    for (const wake of waiters) wake();
    waiters.clear();
  };

  const listen = async (): Promise<void> => {
    const next = connect();
    next.on('notification', bump);
    next.on('error', (error) => {
      onError(error);
      if (client === next) client = undefined;
      bump(); // readers re-poll; the next wait reconnects
    });
    await next.connect();
    await next.query(`listen ${EVENTS_CHANNEL}`);
    if (closed) {
      await next.end();
      return;
    }
    client = next;
  };

  const ensureListening = (): void => {
    if (client || connecting || closed) return;
    connecting = listen()
      .catch((error: Error) => onError(error))
      .finally(() => {
        connecting = undefined;
      });
  };

  return {
    generation: () => generation,
    waitForChange: (since, timeoutMs, signal) => {
      ensureListening();
      if (generation !== since || signal?.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
    close: async () => {
      closed = true;
      bump();
      await connecting;
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
};
