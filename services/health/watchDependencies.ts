// Checks each dependency every `intervalMs` (one check at a time each, with a deadline) and
// tells listeners when one goes down or comes back. The gRPC health service and the console
// read it; a check is a cheap round trip, never a query of data.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dependency } from './dependentServices.js';

export interface DependencyProbe {
  dependency: Dependency;
  /** Resolves when the dependency answers; its rejection says why not. */
  check: (signal: AbortSignal) => Promise<void>;
}

export interface DependencyWatch {
  /** The dependencies down now, with why. */
  down(): ReadonlyMap<Dependency, string>;
  /** Called after every change; returns a function that stops the calls. */
  onChange(listener: () => void): () => void;
  stop(): Promise<void>;
}

export interface WatchDependenciesOptions {
  probes: readonly DependencyProbe[];
  /** Between checks of one dependency; default 1 s. */
  intervalMs?: number;
  /** A check that takes longer counts as down; default 2 s. */
  timeoutMs?: number;
  onChange?: (dependency: Dependency, why: string | null) => void;
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const watchDependencies = ({
  probes,
  intervalMs = 1_000,
  timeoutMs = 2_000,
  onChange,
}: WatchDependenciesOptions): DependencyWatch => {
  const down = new Map<Dependency, string>();
  const listeners = new Set<() => void>();
  const stopping = new AbortController();

  const record = (dependency: Dependency, why: string | null): void => {
    const was = down.get(dependency) ?? null;
    if ((was === null) === (why === null)) return;
    if (why === null) down.delete(dependency);
    else down.set(dependency, why);
    onChange?.(dependency, why);
    for (const listener of listeners) listener();
  };

  const watch = async (probe: DependencyProbe): Promise<void> => {
    const { dependency } = probe;
    while (!stopping.signal.aborted) {
      const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]);
      try {
        await probe.check(signal);
        record(dependency, null);
      } catch (error) {
        if (stopping.signal.aborted) return;
        record(dependency, signal.aborted ? `no answer within ${timeoutMs} ms` : reason(error));
      }
      await sleep(intervalMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  };
  const running = Promise.all(probes.map(watch));

  return {
    down: () => down,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: async () => {
      stopping.abort();
      await running;
    },
  };
};
